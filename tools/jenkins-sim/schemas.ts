/** All export schemas for one request (URLs and visible items depend on the caller and the Host). */
import type { Schema } from './tree.js';
import { type Env, runSchemas } from './schemas-runs.js';
import { itemSchemas } from './schemas-items.js';

export type Schemas = Record<
  | 'root'
  | 'folder'
  | 'job'
  | 'view'
  | 'health'
  | 'paramsProperty'
  | 'paramDef'
  | 'paramValue'
  | 'cause'
  | 'causeAction'
  | 'paramsAction'
  | 'buildData'
  | 'inputAction'
  | 'artifact'
  | 'user'
  | 'commit'
  | 'changeSetList'
  | 'executor'
  | 'run'
  | 'queueItem',
  Schema<any>
>;

export function schemasFor(env: Env): Schemas {
  const S = {} as Schemas;
  runSchemas(env, S);
  itemSchemas(env, S);
  return S;
}

export type { Env };
