/** The server's one error shape: {"error": {"code", "message", "details"}}. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Build from whatever came back: the JSON error body, plain text, or nothing (network failure). */
  static from(status: number, body: unknown): ApiError {
    const e = (body as Partial<ErrorBody> | undefined)?.error;
    if (e && typeof e.code === 'string') return new ApiError(status, e.code, e.message ?? e.code, e.details);
    const text = typeof body === 'string' && body.length < 300 ? body : '';
    return new ApiError(status, status === 0 ? 'NETWORK_ERROR' : `HTTP_${status}`, text || `HTTP ${status}`);
  }
}

export const isApiError = (e: unknown, code?: string): e is ApiError => e instanceof ApiError && (!code || e.code === code);
