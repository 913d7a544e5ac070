import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isAppError } from './errors.js';

/**
 * The one error handler: every failure leaves as {"error":{"code","message","details"}}. Known
 * framework errors map to stable codes; anything unexpected is logged with its stack and the client
 * sees INTERNAL_ERROR without internals.
 */
const FASTIFY_CODES: Record<string, { code: string; status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', status: 400, message: 'The request body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_JSON', status: 400, message: 'The JSON body is empty.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', status: 413, message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415, message: 'This content type is not accepted here.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_CONTENT_LENGTH', status: 400, message: 'Content-Length does not match the body.' },
};

function toAppError(err: FastifyError): AppError {
  if (isAppError(err)) return err;
  if (err.validation) {
    const details = err.validation.map((v) => ({
      where: err.validationContext,
      path: v.instancePath || (v.params as { missingProperty?: string })?.missingProperty || '',
      message: v.message,
    }));
    return new AppError('VALIDATION_FAILED', 400, `The request ${err.validationContext ?? 'input'} is not valid: ${err.message}`, details);
  }
  if (err.code && FASTIFY_CODES[err.code]) {
    const m = FASTIFY_CODES[err.code];
    return new AppError(m.code, m.status, m.message);
  }
  if (err instanceof SyntaxError || (err as { type?: string }).type === 'entity.parse.failed') {
    return new AppError('INVALID_JSON', 400, 'The request body is not valid JSON.');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError('BAD_REQUEST', err.statusCode, err.message);
  }
  return new AppError('INTERNAL_ERROR', 500, 'Something went wrong inside Gatehouse; the server log has the details.');
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toAppError(err);
    if (e.statusCode >= 500) req.log.error({ err }, 'request failed');
    if (e.headers) reply.headers(e.headers);
    return reply.status(e.statusCode).send({ error: { code: e.code, message: e.message, details: e.details } });
  });
}

/** The JSON 404 for unknown routes (web-app.ts installs the handler, falling back to the SPA). */
export function routeNotFoundBody(method: string, url: string) {
  return { error: { code: 'ROUTE_NOT_FOUND', message: `No route ${method} ${url.split('?')[0]}.` } };
}
