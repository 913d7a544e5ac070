/**
 * Bot API failures: an ApiError carries error_code, the exact description of reference §2 and the
 * optional ResponseParameters. Handlers throw them; the HTTP front turns them into the envelope.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

const bad = (text: string) => new ApiError(400, `Bad Request: ${text}`);

export const E = {
  bad,
  chatNotFound: () => bad('chat not found'),
  chatIdEmpty: () => bad('chat_id is empty'),
  textEmpty: () => bad('message text is empty'),
  messageTooLong: () => bad('message is too long'),
  textTooLong: () => bad('text is too long'),
  cantParse: (detail: string) => bad(`can't parse entities: ${detail}`),
  unsupportedParseMode: () => bad('unsupported parse_mode'),
  notModified: () =>
    bad(
      'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    ),
  editNotFound: () => bad('message to edit not found'),
  cantEdit: () => bad("message can't be edited"),
  deleteNotFound: () => bad('message to delete not found'),
  cantDelete: () => bad("message can't be deleted"),
  messageIdMissing: () => bad('message identifier is not specified'),
  replyNotFound: () => bad('message to be replied not found'),
  queryTooOld: () => bad('query is too old and response timeout expired or query ID is invalid'),
  buttonDataInvalid: () => bad('BUTTON_DATA_INVALID'),
  textButtons: () => bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"),
  markupJson: () => bad("can't parse reply keyboard markup JSON object"),
  required: (name: string) => bad(`parameter "${name}" is required`),
  unauthorized: () => new ApiError(401, 'Unauthorized'),
  invalidToken: () => new ApiError(401, 'Unauthorized: invalid token specified'),
  blocked: () => new ApiError(403, 'Forbidden: bot was blocked by the user'),
  cantInitiate: () => new ApiError(403, "Forbidden: bot can't initiate conversation with a user"),
  deactivated: () => new ApiError(403, 'Forbidden: user is deactivated'),
  kicked: (type: string) => new ApiError(403, `Forbidden: bot was kicked from the ${type === 'supergroup' ? 'supergroup' : 'group'} chat`),
  notFound: () => new ApiError(404, 'Not Found'),
  methodNotFound: () => new ApiError(404, 'Not Found: method not found'),
  otherGetUpdates: () =>
    new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'),
  webhookActive: () =>
    new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"),
  terminatedBySetWebhook: () => new ApiError(409, 'Conflict: terminated by setWebhook request'),
  tooMany: (seconds: number) => new ApiError(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds }),
  internal: (text: string) => new ApiError(500, `Internal Server Error: ${text}`),
};
