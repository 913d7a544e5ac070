import { api, unwrap } from '@/api/client';
import type { ItemsOf, ResponseOf } from '@/api/types';

/**
 * Every call of the Jenkins screens, through the one typed client. Types come from the generated
 * schema, so a change of the server's shapes shows up here at typecheck.
 */

export type ProjectList = ResponseOf<'/api/projects', 'get'>;
export type ProjectItem = ItemsOf<'/api/projects'>;
export type BranchList = ResponseOf<'/api/projects/{project}/branches', 'get'>;
export type BranchItem = ItemsOf<'/api/projects/{project}/branches'>;
export type ParamItem = ItemsOf<'/api/projects/{project}/branches/{branch}/parameters'>;
export type HistoryPage = ResponseOf<'/api/projects/{project}/branches/{branch}/builds', 'get'>;
export type HistoryItem = HistoryPage['items'][number];
export type BuildDetail = ResponseOf<'/api/projects/{project}/branches/{branch}/builds/{number}', 'get'>;
export type LogChunk = ResponseOf<'/api/projects/{project}/branches/{branch}/builds/{number}/log', 'get'>;
export type QueueState = ResponseOf<'/api/jenkins/queue/{queueId}', 'get'>;
export type ServerItem = ItemsOf<'/api/jenkins/servers'>;
export type SyncState = ResponseOf<'/api/jenkins/sync/latest', 'get'>;
export type OrphanItem = ItemsOf<'/api/jenkins/orphans'>;
export type TreeItem = ItemsOf<'/api/jenkins/tree'>;
export type BranchGrant = ItemsOf<'/api/grants'>;

export interface BuildRef {
  project: string;
  branch: string;
  number: number;
}

export const jenkinsApi = {
  projects: (query: { q?: string; sort: 'name' | 'lastBuild' }) => unwrap(api.GET('/api/projects', { params: { query } })),
  setFavourite: (project: string, on: boolean) =>
    on
      ? unwrap(api.PUT('/api/projects/{project}/favourite', { params: { path: { project } } }))
      : unwrap(api.DELETE('/api/projects/{project}/favourite', { params: { path: { project } } })),
  branches: (project: string) => unwrap(api.GET('/api/projects/{project}/branches', { params: { path: { project } } })),
  parameters: (project: string, branch: string) =>
    unwrap(api.GET('/api/projects/{project}/branches/{branch}/parameters', { params: { path: { project, branch } } })),
  history: (project: string, branch: string, page: number, pageSize: number) =>
    unwrap(
      api.GET('/api/projects/{project}/branches/{branch}/builds', { params: { path: { project, branch }, query: { page, pageSize } } }),
    ),
  trigger: (project: string, branch: string, parameters?: Record<string, string | boolean>) =>
    unwrap(
      api.POST('/api/projects/{project}/branches/{branch}/builds', {
        params: { path: { project, branch } },
        body: parameters ? { parameters } : {},
      }),
    ),
  queue: (queueId: number) => unwrap(api.GET('/api/jenkins/queue/{queueId}', { params: { path: { queueId } } })),
  build: (b: BuildRef) => unwrap(api.GET('/api/projects/{project}/branches/{branch}/builds/{number}', { params: { path: { ...b } } })),
  log: (b: BuildRef, start: number) =>
    unwrap(api.GET('/api/projects/{project}/branches/{branch}/builds/{number}/log', { params: { path: { ...b }, query: { start } } })),
  stop: (b: BuildRef) => unwrap(api.POST('/api/projects/{project}/branches/{branch}/builds/{number}/stop', { params: { path: { ...b } } })),

  servers: () => unwrap(api.GET('/api/jenkins/servers')),
  createServer: (body: { name: string; url: string; username: string; token: string; proxyUrl?: string | null }) =>
    unwrap(api.POST('/api/jenkins/servers', { body })),
  updateServer: (id: number, body: { name?: string; url?: string; username?: string; token?: string; proxyUrl?: string | null }) =>
    unwrap(api.PATCH('/api/jenkins/servers/{id}', { params: { path: { id } }, body })),
  deleteServer: (id: number) => unwrap(api.DELETE('/api/jenkins/servers/{id}', { params: { path: { id } } })),
  testServer: (id: number) => unwrap(api.POST('/api/jenkins/servers/{id}/test', { params: { path: { id } } })),
  startSync: () => unwrap(api.POST('/api/jenkins/sync')),
  latestSync: () => unwrap(api.GET('/api/jenkins/sync/latest')),
  orphans: () => unwrap(api.GET('/api/jenkins/orphans')),
  keepOrphan: (grantId: number) => unwrap(api.POST('/api/jenkins/orphans/{id}/keep', { params: { path: { id: grantId } } })),

  tree: () => unwrap(api.GET('/api/jenkins/tree', { params: { query: {} } })),
  grants: (subject: { userId?: number; groupId?: number }) => unwrap(api.GET('/api/grants', { params: { query: subject } })),
  createGrant: (body: { userId?: number; groupId?: number; project: string; branch: string; canView: boolean; canBuild: boolean }) =>
    unwrap(api.POST('/api/grants', { body })),
  updateGrant: (id: number, canBuild: boolean) => unwrap(api.PATCH('/api/grants/{id}', { params: { path: { id } }, body: { canBuild } })),
  deleteGrant: (id: number) => unwrap(api.DELETE('/api/grants/{id}', { params: { path: { id } } })),
};
