/** Public entry of the Jenkins HTTP client (see README.md). */
export { JenkinsClient } from './jenkins-client.js';
export { JenkinsError, type JenkinsErrorKind } from './jenkins-error.js';
export type { BreakerState } from './circuit-breaker.js';
export { decodeBranchName } from './paths.js';
export type {
  ArtifactDownload,
  BranchInfo,
  BuildDetail,
  BuildSummary,
  CallRecord,
  ClientOptions,
  ItemKind,
  JenkinsConnection,
  JenkinsItem,
  JobPath,
  LastBuild,
  LastCommit,
  ParamDef,
  PendingInput,
  ProjectInfo,
  QueueInfo,
} from './types.js';
