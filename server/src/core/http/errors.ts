/**
 * Coded errors, in the fastify style: every failure a client can see has a stable `code`, an HTTP
 * status and a message that is safe to show. `createError` makes a constructor per code so call
 * sites read as `throw new UsersNotFound()` and tests can match on the code.
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: string, statusCode: number, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.headers = headers;
  }
}

export type AppErrorCtor = new (details?: unknown, message?: string) => AppError;

export function createError(code: string, statusCode: number, defaultMessage: string): AppErrorCtor {
  return class extends AppError {
    constructor(details?: unknown, message?: string) {
      super(code, statusCode, message ?? defaultMessage, details);
    }
  };
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Errors shared by every module. */
export const ValidationFailed = createError('VALIDATION_FAILED', 400, 'The request is not valid; see details.');
export const InvalidJson = createError('INVALID_JSON', 400, 'The request body is not valid JSON.');
export const BodyTooLarge = createError('BODY_TOO_LARGE', 413, 'The request body is too large.');
export const UnsupportedMediaType = createError('UNSUPPORTED_MEDIA_TYPE', 415, 'This content type is not accepted here.');
export const Unauthenticated = createError('UNAUTHENTICATED', 401, 'Sign in first: send "Authorization: Bearer <token>".');
export const Forbidden = createError('FORBIDDEN', 403, 'You do not have the permission this needs.');
export const NotFound = createError('NOT_FOUND', 404, 'Not found.');
export const RouteNotFound = createError('ROUTE_NOT_FOUND', 404, 'No such route.');
export const Conflict = createError('CONFLICT', 409, 'This conflicts with the current state.');
export const RateLimited = createError('RATE_LIMITED', 429, 'Too many requests; try again later.');
export const ServiceUnavailable = createError('SERVICE_UNAVAILABLE', 503, 'A service Gatehouse depends on is unavailable.');
export const PasswordChangeRequired = createError('PASSWORD_CHANGE_REQUIRED', 403, 'Change your password first (POST /api/auth/password).');
export const MfaEnrollmentRequired = createError(
  'MFA_ENROLLMENT_REQUIRED',
  403,
  'Multi-factor authentication is required: enrol an authenticator first (profile → security).',
);
