import { createError } from '../../core/http/errors.js';

export const ServerNotFound = createError('JENKINS_SERVER_NOT_FOUND', 404, 'No such Jenkins server.');
export const ServerNameTaken = createError('JENKINS_SERVER_NAME_TAKEN', 409, 'A Jenkins server with this name exists already.');
export const ServerFromConfig = createError(
  'JENKINS_SERVER_FROM_CONFIG',
  409,
  'This server comes from the configuration (JENKINS_URL…); change it there.',
);
export const NoServer = createError(
  'JENKINS_NOT_CONFIGURED',
  409,
  'No Jenkins server is configured: set JENKINS_URL, JENKINS_USER and JENKINS_TOKEN, or add one under Jenkins → Servers.',
);
export const SyncNeverRun = createError('SYNC_NEVER_RUN', 404, 'No sync has run yet; start one with POST /api/jenkins/sync.');
export const ProjectNotFound = createError('PROJECT_NOT_FOUND', 404, 'No such project, or you may not see it.');
export const BranchNotFound = createError('BRANCH_NOT_FOUND', 404, 'No such branch, or you may not see it.');
export const BuildNotFound = createError('BUILD_NOT_FOUND', 404, 'No such build.');
export const ArtifactNotFound = createError('ARTIFACT_NOT_FOUND', 404, 'No such artifact in this build.');
export const QueueItemNotFound = createError('QUEUE_ITEM_NOT_FOUND', 404, 'No build was queued through Gatehouse with this id.');
export const InvalidParameter = createError('INVALID_PARAMETER', 400, 'A build parameter is not valid; see details.');
export const BranchNotBuildable = createError(
  'BRANCH_NOT_BUILDABLE',
  409,
  'Jenkins does not allow builds of this branch (disabled or removed).',
);
export const JenkinsUnavailable = createError(
  'JENKINS_UNAVAILABLE',
  503,
  'Jenkins cannot be reached right now; Gatehouse shows the last synced data. Try again in a minute.',
);
export const JenkinsRefused = createError('JENKINS_REFUSED', 502, 'Jenkins refused the request; see details.');
export const GrantNotJenkins = createError('GRANT_NOT_FOUND', 404, 'No such branch grant.');
export const GrantEmpty = createError('GRANT_EMPTY', 400, 'A branch grant needs canView or canBuild.');
export const GrantSubject = createError('GRANT_SUBJECT', 400, 'Give exactly one of userId and groupId.');
export const BranchGrantExists = createError('GRANT_EXISTS', 409, 'This user or group already has a grant on that project and branch.');
