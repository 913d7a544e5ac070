import type { Db } from '../../../core/db/db.js';
import type { AuditService } from '../../audit/index.js';
import type { Approval, Servers } from './stage-deps.js';
import { isNotFound, isRefusal, jenkinsReason, PermanentFollowUpError, targetOf, type Target } from './jenkins-target.js';
import { stageRefOf } from './stage-ref.js';
import type { StageRef } from './stage.types.js';

export type Outcome = 'proceed' | 'abort';

/** What the decision means for the pipeline (a timeout counts as its policy's timeout action). */
export function outcomeOf(a: Approval): Outcome {
  return a.outcome === 'approved' ? 'proceed' : 'abort';
}

/**
 * The `jenkins-input` follow-up: proceed or abort the run's input step, or stop the run when it
 * has none. Transient failures throw (the core's job retries); failures that cannot heal throw
 * PermanentFollowUpError with a message that says what happened in Jenkins.
 */
export function createInputFollowUp(d: { servers: Servers; audit: AuditService; db: Db }) {
  // What Gatehouse did in Jenkins on the approval's behalf is audited like any other change.
  const audited = (a: Approval, t: Target, ref: StageRef, action: string) =>
    d.audit.record(d.db, {
      actor: { userId: null, username: 'system' },
      action: `approvals.jenkins.${action}`,
      resourceType: 'approval',
      resourceId: a.id,
      project: a.project,
      details: { server: t.server.name, job: ref.job, build: ref.build, inputId: ref.inputId, status: a.status },
    });
  return {
    async onDecided(a: Approval): Promise<void> {
      const ref = stageRefOf(a);
      if (!ref) throw new PermanentFollowUpError(`Approval ${a.id} is not a Jenkins stage request (${a.subjectType}:${a.subjectId}).`);
      const outcome = outcomeOf(a);
      if (!ref.inputId) {
        // wait=true: the pipeline is blocked on our HTTP answer and acts itself. Approved without an
        // input: nothing in Jenkins waits for us.
        if (ref.wait || outcome === 'proceed') return;
        const t = await targetOf(d.servers, ref);
        await stopRun(t, ref);
        await audited(a, t, ref, 'stop');
        return;
      }
      const t = await targetOf(d.servers, ref);
      try {
        if (outcome === 'proceed') await t.client.proceedInput(t.path, ref.build, ref.inputId);
        else await t.client.abortInput(t.path, ref.build, ref.inputId);
        await audited(a, t, ref, outcome);
      } catch (e) {
        if (isNotFound(e)) return reconcileGone(t, ref, outcome);
        if (isRefusal(e))
          throw new PermanentFollowUpError(`Jenkins refused to ${outcome} input ${ref.inputId} of ${t.label}: ${jenkinsReason(e)}`);
        throw new Error(`Could not ${outcome} input ${ref.inputId} of ${t.label} on ${t.server.name}: ${jenkinsReason(e)}`, { cause: e });
      }
    },
  };
}

async function stopRun(t: Target, ref: StageRef): Promise<void> {
  try {
    await t.client.stop(t.path, ref.build);
  } catch (e) {
    if (isNotFound(e)) throw new PermanentFollowUpError(`Jenkins has no build ${t.label} to stop.`);
    if (isRefusal(e)) throw new PermanentFollowUpError(`Jenkins refused to stop ${t.label}: ${jenkinsReason(e)}`);
    throw new Error(`Could not stop ${t.label} on ${t.server.name}: ${jenkinsReason(e)}`, { cause: e });
  }
}

/**
 * The input is not there any more (404). When Jenkins is already where the decision wanted it (an
 * earlier attempt got through but its answer was lost), that is success; otherwise the input was
 * answered in Jenkins or the run ended, which no retry can change.
 */
async function reconcileGone(t: Target, ref: StageRef, outcome: Outcome): Promise<void> {
  let build;
  try {
    build = await t.client.getBuild(t.path, ref.build);
  } catch (e) {
    throw new Error(`Input ${ref.inputId} of ${t.label} was not found, and the build could not be read: ${jenkinsReason(e)}`, { cause: e });
  }
  if (!build) throw new PermanentFollowUpError(`Jenkins has no build ${t.label} (input ${ref.inputId} cannot be answered).`);
  const state = build.building ? 'is still running' : `ended ${build.result ?? 'without a result'}`;
  const aborted = !build.building && build.result === 'ABORTED';
  if (outcome === 'abort' && aborted) return;
  if (outcome === 'proceed' && !aborted) {
    const pending = build.building ? await t.client.pendingInputs(t.path, ref.build).catch(() => []) : [];
    if (!pending.some((i) => i.id === ref.inputId)) return;
  }
  throw new PermanentFollowUpError(
    `Jenkins no longer waits at input ${ref.inputId} of ${t.label}: it was answered in Jenkins or the run ended (the build ${state}).`,
  );
}
