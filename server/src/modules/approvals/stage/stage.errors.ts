import { createError } from '../../../core/http/errors.js';

export const StageParamMissing = createError(
  'STAGE_PARAM_MISSING',
  400,
  'Required parameters are missing: project, env, job and build (query string, JSON or form body).',
);
export const StageParamInvalid = createError('STAGE_PARAM_INVALID', 400, 'A parameter is not valid; see details.');
export const StageUnknownServer = createError('STAGE_UNKNOWN_SERVER', 400, 'No Jenkins server has this name (parameter server).');
export const StageShuttingDown = createError('STAGE_SHUTTING_DOWN', 503, 'Gatehouse is shutting down; call again to keep waiting.');
export const StageNotFound = createError('APPROVALS_NOT_FOUND', 404, 'No such approval, or you may not see it.');
export const StageNoLog = createError('APPROVALS_NO_LOG', 404, 'This approval is not linked to a Jenkins build, so it has no log.');
export const StageApprovalMismatch = createError(
  'STAGE_APPROVAL_MISMATCH',
  400,
  'approval_id names a request of another project or environment.',
);
