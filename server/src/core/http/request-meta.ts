import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from './principal.js';

export function requestMeta(req: FastifyRequest): RequestMeta {
  return { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 500) };
}
