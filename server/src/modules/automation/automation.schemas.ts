import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';
import type { Actor } from './automation.types.js';

/** Request and response schemas shared by the automation routes, and the actor of a request. */
export const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
export const IdRef = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const NStr = Type.Union([Type.String(), Type.Null()]);
export const NInt = Type.Union([Type.Integer(), Type.Null()]);
export const Project = Type.String({ minLength: 1, maxLength: 512 });
export const EntityName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
/** A host name, IPv4 or IPv6 address: letters, digits and . - : only (it never reaches a shell). */
export const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$' });
export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._][A-Za-z0-9._@-]*$' });
export const Label = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]*$' });
export const Labels = Type.Array(Label, { maxItems: 50, uniqueItems: true });
// Longer chains are refused by the service with JUMP_CHAIN_TOO_LONG, a clearer answer than a schema error.
export const JumpHostIds = Type.Array(IdRef, { maxItems: 50 });
export const PrivateKey = Type.String({ minLength: 1, maxLength: 16_384 });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const Time = Type.String({ format: 'date-time' });

export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
};

export const paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });

export const Authored = {
  createdBy: NInt,
  createdByName: NStr,
  createdAt: Type.String(),
  updatedAt: Type.String(),
};

export const JumpHostSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  username: Type.String(),
  project: NStr,
  authMethod: Type.String(),
  hostKeyFingerprint: NStr,
  ...Authored,
});

export const CheckSchema = Type.Object({
  status: Type.String(),
  message: Type.String(),
  at: Type.String(),
  fingerprint: NStr,
});

export const TargetSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  username: Type.String(),
  labels: Type.Array(Type.String()),
  project: Type.String(),
  authMethod: Type.String(),
  jumpHostIds: Type.Array(Type.Integer()),
  hostKeyFingerprint: NStr,
  lastCheck: Type.Union([Type.Object({ status: Type.String(), at: Type.String(), message: Type.String() }), Type.Null()]),
  ...Authored,
});

export function actorOf(req: FastifyRequest): Actor {
  const p = requirePrincipal(req);
  return { userId: p.userId, username: p.username, scopes: p.scopes, ...requestMeta(req) };
}

/** A date-time filter as stored (ISO-8601 with Z), so text and timestamptz compare alike. */
export const isoOrUndefined = (s?: string): string | undefined => (s ? new Date(s).toISOString() : undefined);
