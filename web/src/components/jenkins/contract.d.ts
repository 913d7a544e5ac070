// TEMPORARY: /work/notes/jenkins-api.md typed by hand so the views typecheck before the server's
// routes exist. Delete this file once `npm run gen:api` has put the real routes into schema.d.ts.
import type {} from '../../api/schema';

type H = { [name: string]: unknown };
type Json<T> = { headers: H; content: { 'application/json': T } };
type Empty = { headers: H; content?: never };
type Params<P, Q> = { query?: Q; header?: never; cookie?: never } & ([P] extends [never] ? { path?: never } : { path: P });
type Get<P, Q, R> = { parameters: Params<P, Q>; requestBody?: never; responses: { 200: Json<R> } };
type Send<P, B, R> = { parameters: Params<P, never>; requestBody: { content: { 'application/json': B } }; responses: R };
type Bare<P, R> = { parameters: Params<P, never>; requestBody?: never; responses: R };
type Methods = { get?: never; put?: never; post?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };
type Path<Ops> = Ops & Omit<Methods, keyof Ops> & { parameters: { query?: never; header?: never; path?: never; cookie?: never } };

type Stale = { stale: boolean; syncedAt: string | null };
type PB = { project: string; branch: string };
type PBN = PB & { number: number };
type Sync = {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  trigger: 'manual' | 'schedule';
  startedAt: string;
  finishedAt: string | null;
  progress: { done: number; total: number };
  projects: number;
  branches: number;
  added: { projects: string[]; branches: string[] };
  removed: { projects: string[]; branches: string[] };
  error: string | null;
};
type Server = {
  id: number;
  name: string;
  url: string;
  username: string;
  hasToken: boolean;
  proxyUrl: string | null;
  isDefault: boolean;
  fromConfig: boolean;
  status: 'ok' | 'unavailable';
  lastSyncAt: string | null;
};
type ServerIn = { name: string; url: string; username: string; token?: string; proxyUrl?: string | null };
type Grant = {
  id: number;
  userId: number | null;
  groupId: number | null;
  subjectName: string | null;
  project: string;
  branch: string;
  canView: boolean;
  canBuild: boolean;
  grantedBy: number | null;
  grantedAt: string;
};
type Commit = { id: string | null; message: string; author: string | null };

declare module '../../api/schema' {
  interface paths {
    '/api/projects': Path<{
      get: Get<never, { q?: string; sort?: 'name' | 'lastBuild' }, Stale & {
        items: {
          name: string;
          description: string | null;
          kind: string;
          branchCount: number;
          lastBuild: { result: string | null; building: boolean; at: string | null } | null;
          favourite: boolean;
        }[];
      }>;
    }>;
    '/api/projects/{project}/favourite': Path<{
      put: Bare<{ project: string }, { 204: Empty }>;
      delete: Bare<{ project: string }, { 204: Empty }>;
    }>;
    '/api/projects/{project}/branches': Path<{
      get: Get<{ project: string }, never, Stale & {
        items: {
          name: string;
          buildable: boolean;
          canBuild: boolean;
          lastBuild: {
            number: number;
            result: string | null;
            building: boolean;
            at: string | null;
            durationMs: number | null;
            commit: Commit | null;
          } | null;
        }[];
      }>;
    }>;
    '/api/projects/{project}/branches/{branch}/parameters': Path<{
      get: Get<PB, never, {
        items: {
          name: string;
          type: 'string' | 'text' | 'boolean' | 'choice' | 'password' | 'other';
          default: string | boolean | null;
          hasDefault: boolean;
          description: string | null;
          choices?: string[];
        }[];
      }>;
    }>;
    '/api/projects/{project}/branches/{branch}/builds': Path<{
      get: Get<PB, { page?: number; pageSize?: number }, {
        items: {
          number: number;
          result: string | null;
          building: boolean;
          startedAt: string | null;
          durationMs: number | null;
          triggeredBy: string | null;
          jenkinsCauses: unknown[];
        }[];
        page: number;
        pageSize: number;
        hasMore: boolean;
      }>;
      post: Send<PB, { parameters?: Record<string, string | boolean> }, { 202: Json<{ id: number; queueId: number }> }>;
    }>;
    '/api/projects/{project}/branches/{branch}/builds/{number}': Path<{
      get: Get<PBN, never, {
        number: number;
        result: string | null;
        building: boolean;
        startedAt: string | null;
        durationMs: number | null;
        estimatedDurationMs: number | null;
        triggeredBy: string | null;
        parameters: { name: string; value: unknown }[];
        artifacts: { path: string; name: string }[];
      }>;
    }>;
    '/api/projects/{project}/branches/{branch}/builds/{number}/log': Path<{
      get: Get<PBN, { start?: number }, { text: string; nextStart: number; more: boolean }>;
    }>;
    '/api/projects/{project}/branches/{branch}/builds/{number}/stop': Path<{
      post: Bare<PBN, { 202: Empty }>;
    }>;
    '/api/jenkins/queue/{queueId}': Path<{
      get: Get<{ queueId: number }, never, {
        queueId: number;
        status: 'waiting' | 'started' | 'cancelled' | 'unknown';
        number: number | null;
        waitingMs: number;
        why: string | null;
        project: string;
        branch: string;
      }>;
    }>;
    '/api/jenkins/servers': Path<{
      get: Get<never, never, { items: Server[] }>;
      post: Send<never, ServerIn & { token: string }, { 201: Json<Server> }>;
    }>;
    '/api/jenkins/servers/{id}': Path<{
      patch: Send<{ id: number }, Partial<ServerIn>, { 200: Json<Server> }>;
      delete: Bare<{ id: number }, { 204: Empty }>;
    }>;
    '/api/jenkins/servers/{id}/test': Path<{
      post: Bare<{ id: number }, { 200: Json<{ ok: boolean; user?: string | null; version?: string | null; error?: string | null }> }>;
    }>;
    '/api/jenkins/sync': Path<{ post: Bare<never, { 202: Json<Sync> }> }>;
    '/api/jenkins/sync/latest': Path<{ get: Get<never, never, Sync> }>;
    '/api/jenkins/orphans': Path<{
      get: Get<never, never, {
        items: {
          grantId: number;
          userId: number | null;
          groupId: number | null;
          subjectName: string | null;
          project: string;
          branch: string;
          reason: 'project-removed' | 'branch-removed';
        }[];
      }>;
    }>;
    '/api/jenkins/orphans/{grantId}/keep': Path<{ post: Bare<{ grantId: number }, { 204: Empty }> }>;
    '/api/jenkins/tree': Path<{
      get: Get<never, { q?: string }, { items: { project: string; description: string | null; branches: string[] }[] }>;
    }>;
    '/api/grants': Path<{
      get: Get<never, { userId?: number; groupId?: number; project?: string }, { items: Grant[] }>;
      post: Send<
        never,
        { userId?: number; groupId?: number; project: string; branch: string; canView: boolean; canBuild: boolean },
        { 201: Json<Grant> }
      >;
    }>;
    '/api/grants/{id}': Path<{
      patch: Send<{ id: number }, { canBuild: boolean }, { 200: Json<Grant> }>;
      delete: Bare<{ id: number }, { 204: Empty }>;
    }>;
  }
}
