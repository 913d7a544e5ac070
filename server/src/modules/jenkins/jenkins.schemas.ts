import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { requestMeta } from '../../core/http/request-meta.js';
import { requirePrincipal } from '../../core/http/route-guard.js';

/** Request and response schemas shared by the Jenkins routes, and the actor of a request. */
export const Name = Type.String({ minLength: 1, maxLength: 512 });
export const Id = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
export const ProjectParams = Type.Object({ project: Name });
export const BranchParams = Type.Object({ project: Name, branch: Name });
export const BuildParams = Type.Object({ project: Name, branch: Name, number: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
const NStr = Type.Union([Type.String(), Type.Null()]);
const NInt = Type.Union([Type.Integer(), Type.Null()]);

export const Commit = Type.Union([Type.Object({ id: NStr, message: Type.String(), author: NStr }), Type.Null()]);
export const LastBuild = Type.Union([
  Type.Object({ number: Type.Integer(), result: NStr, building: Type.Boolean(), at: NStr, durationMs: NInt, commit: Commit }),
  Type.Null(),
]);
export const Stale = { stale: Type.Boolean(), syncedAt: NStr };

export const SyncSchema = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  trigger: Type.String(),
  startedAt: Type.String(),
  finishedAt: NStr,
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  projects: Type.Integer(),
  branches: Type.Integer(),
  added: Type.Object({ projects: Type.Array(Type.String()), branches: Type.Array(Type.String()) }),
  removed: Type.Object({ projects: Type.Array(Type.String()), branches: Type.Array(Type.String()) }),
  error: NStr,
});

export const ServerSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  username: Type.String(),
  hasToken: Type.Boolean(),
  proxyUrl: NStr,
  isDefault: Type.Boolean(),
  fromConfig: Type.Boolean(),
  status: Type.String(),
});

export const BranchGrantSchema = Type.Object({
  id: Type.Integer(),
  userId: NInt,
  groupId: NInt,
  subjectName: NStr,
  project: Type.String(),
  branch: Type.String(),
  canView: Type.Boolean(),
  canBuild: Type.Boolean(),
  grantedBy: NInt,
  grantedAt: Type.String(),
});

export function actorOf(req: FastifyRequest) {
  const p = requirePrincipal(req);
  return { userId: p.userId, username: p.username, scopes: p.scopes, ...requestMeta(req) };
}
