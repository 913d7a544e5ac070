import { createError } from '../../core/http/errors.js';

export const ChannelNotFound = createError('NOTIFY_CHANNEL_NOT_FOUND', 404, 'No such notification channel.');
export const ChannelNameTaken = createError('NOTIFY_CHANNEL_NAME_TAKEN', 409, 'A notification channel with this name exists already.');
export const ChannelInvalid = createError('NOTIFY_CHANNEL_INVALID', 400, 'The channel settings are not valid; see details.');
