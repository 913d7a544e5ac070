import { createError } from '../../core/http/errors.js';

// Something the caller may not see answers 404 like something that does not exist.
export const ScriptNotFound = createError('SCRIPT_NOT_FOUND', 404, 'No such script, or you may not see it.');
export const ScriptVersionNotFound = createError('SCRIPT_VERSION_NOT_FOUND', 404, 'This script has no such version.');
export const ScriptNameTaken = createError('SCRIPT_NAME_TAKEN', 409, 'A script with this name exists already in this project.');
export const ScriptChanged = createError('SCRIPT_CHANGED', 409, 'Someone saved this script at the same moment; load it again and retry.');
export const ScriptInUse = createError('SCRIPT_IN_USE', 409, 'Tasks use this script; delete or change them first.');
export const TargetNotFound = createError('TARGET_NOT_FOUND', 404, 'No such target, or you may not see it.');
export const TargetNameTaken = createError('TARGET_NAME_TAKEN', 409, 'A target with this name exists already in this project.');
export const TargetInUse = createError('TARGET_IN_USE', 409, 'Tasks name this target; remove it from them first.');
export const JumpHostNotFound = createError('JUMP_HOST_NOT_FOUND', 404, 'No such jump host, or you may not see it.');
export const JumpHostNameTaken = createError('JUMP_HOST_NAME_TAKEN', 409, 'A jump host with this name exists already in this project.');
export const JumpHostInUse = createError('JUMP_HOST_IN_USE', 409, 'Targets reach their hosts through this jump host; change them first.');
export const JumpChainTooLong = createError('JUMP_CHAIN_TOO_LONG', 400, 'A target may sit behind at most 5 jump hosts.');
export const JumpChainDuplicate = createError('JUMP_CHAIN_DUPLICATE', 400, 'A jump host appears twice in the chain.');
export const JumpHostProject = createError('JUMP_HOST_PROJECT', 400, "A jump host must be global or belong to the target's project.");
export const TaskNotFound = createError('TASK_NOT_FOUND', 404, 'No such task, or you may not see it.');
export const TaskNameTaken = createError('TASK_NAME_TAKEN', 409, 'A task with this name exists already in this project.');
export const TaskNoTargets = createError('TASK_NO_TARGETS', 400, 'A task needs targetIds or labels (or both).');
export const ProjectMismatch = createError('PROJECT_MISMATCH', 400, "A task's script and targets must belong to the task's project.");
export const InvalidSchedule = createError('INVALID_SCHEDULE', 400, 'The schedule or time zone is not valid.');
export const InvalidPrivateKey = createError(
  'INVALID_PRIVATE_KEY',
  400,
  'The private key cannot be read: give an unencrypted OpenSSH or PEM private key.',
);
export const PasswordNotApplicable = createError(
  'PASSWORD_NOT_APPLICABLE',
  400,
  "A password installs Gatehouse's public key; it cannot be combined with an uploaded private key.",
);
export const KeyInstallFailed = createError(
  'KEY_INSTALL_FAILED',
  422,
  "Gatehouse's public key could not be installed with this password; nothing was saved.",
);
export const RunNotFound = createError('RUN_NOT_FOUND', 404, 'No such run, or you may not see it.');
export const RunFinished = createError('RUN_FINISHED', 409, 'This run has finished already.');
export const RunNotFinished = createError('RUN_NOT_FINISHED', 409, 'Wait for the run to finish (or cancel it) first.');
export const NothingToRerun = createError('NOTHING_TO_RERUN', 409, 'No target of this run failed.');
export const NoTargetsNow = createError('TASK_HAS_NO_TARGETS', 409, 'The task matches no target right now; add targets or labels to it.');
