import { createError } from '../../core/http/errors.js';

export const RoleNotFound = createError('ROLE_NOT_FOUND', 404, 'No such role.');
export const UnknownRole = createError('UNKNOWN_ROLE', 400, 'A role named here does not exist.');
export const RoleBuiltin = createError('ROLE_BUILTIN', 409, 'Built-in roles cannot be changed or deleted.');
export const RoleNameTaken = createError('ROLE_NAME_TAKEN', 409, 'A role with that name exists.');
export const UnknownPermission = createError('UNKNOWN_PERMISSION', 400, 'A permission code is not known.');
export const GrantNotFound = createError('GRANT_NOT_FOUND', 404, 'No such grant.');
export const GrantExists = createError('GRANT_EXISTS', 409, 'That exact grant exists already.');
export const GrantShape = createError('GRANT_ROLE_OR_PERMISSION', 400, 'A grant names exactly one of "role" or "permission".');
export const SubjectNotFound = createError('SUBJECT_NOT_FOUND', 404, 'The user or group to grant to does not exist.');
export const TemplateNotFound = createError('TEMPLATE_NOT_FOUND', 404, 'No such permission template.');
export const TemplateNameTaken = createError('TEMPLATE_NAME_TAKEN', 409, 'A template with that name exists.');
