import { createError } from '../../core/http/errors.js';

// Something the caller may not see answers 404 like something that does not exist.
export const ApprovalNotFound = createError('APPROVALS_NOT_FOUND', 404, 'No such approval, or you may not see it.');
export const PolicyNotFound = createError('APPROVALS_POLICY_NOT_FOUND', 404, 'No such approval policy.');
export const PolicyNameTaken = createError('APPROVALS_POLICY_NAME_TAKEN', 409, 'An approval policy with this name exists already.');
export const PolicyInvalid = createError('APPROVALS_POLICY_INVALID', 400, 'The approval policy is not valid; see details.');
export const UnknownApprover = createError('APPROVALS_UNKNOWN_APPROVER', 400, 'A policy names users, groups or roles that do not exist.');
export const NoPolicy = createError('APPROVALS_NO_POLICY', 422, 'No enabled approval policy matches this project and environment.');
export const NoApprovers = createError('APPROVALS_NO_APPROVERS', 422, 'A level of the matching policy has too few people who may approve.');
export const RequestInvalid = createError('APPROVALS_REQUEST_INVALID', 400, 'The approval request is not valid; see details.');
export const NotApprover = createError('APPROVALS_NOT_APPROVER', 403, 'You are not an approver of the current level of this request.');
export const SelfApproval = createError('APPROVALS_SELF_APPROVAL', 403, 'You may not approve your own request.');
export const ReasonRequired = createError('APPROVALS_REASON_REQUIRED', 400, 'A rejection needs a reason.');
export const AlreadyDecided = createError('APPROVALS_ALREADY_DECIDED', 409, 'This has already been decided.');
export const WorkStarted = createError(
  'APPROVALS_WORK_STARTED',
  409,
  'The follow-up work has started; the decision can no longer be changed.',
);
export const NotRequester = createError('APPROVALS_NOT_REQUESTER', 403, 'Only the requester may withdraw a request.');
export const ImportInvalid = createError('APPROVALS_IMPORT_INVALID', 400, 'The import is not valid; see details.');
