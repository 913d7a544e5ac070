import { createError } from '../../core/http/errors.js';

/** Errors of the user and group administration (the sign-in errors live in identity.errors.ts). */
export const UnknownGroups = createError('UNKNOWN_GROUPS', 400, 'Some of the groups do not exist; see details.');
export const UnknownUsers = createError('UNKNOWN_USERS', 400, 'Some of the users do not exist; see details.');
export const GroupMemberNotFound = createError('GROUP_MEMBER_NOT_FOUND', 404, 'That user is not a member of the group.');
export const ImportInvalid = createError('IMPORT_INVALID', 400, 'Some rows are not valid; nothing was imported. See details.');
export const CsvMalformed = createError('CSV_MALFORMED', 400, 'The CSV cannot be read; see details.');
export const ImportTooLarge = createError('IMPORT_TOO_LARGE', 400, 'Too many rows in one import.');
export const ExportTooLarge = createError('EXPORT_TOO_LARGE', 400, 'Too many users match; narrow the filter.');
export const FilterUnavailable = createError('FILTER_UNAVAILABLE', 400, 'This filter is not available yet.');
