// The Jenkins emulator for bench/approvals.mjs in its own process, driven over IPC (forked by
// jenkins-lib.mjs `forkIpc` with `--import tsx`). It serves one pipeline job whose every run waits
// at an input step, and records, inside the emulator, the moment each run's input is answered
// (hooking the pending input's resolve — the same call the emulator's /input/<id>/proceedEmpty
// route makes), so the parent reads exact timestamps instead of polling with a lag of its own.
// Times are `performance.timeOrigin + performance.now()`: epoch ms with sub-ms resolution, the
// same clock the parent reads.
//
// Messages (each answered with {id, ok, ...}):
//   {cmd:'runs', count}       → start `count` runs one after another, each answered when it waits
//                               at the input; → {numbers}
//   {cmd:'answered', number}  → resolves once run `number`'s input was answered (at once if it
//                               was): {at, kind, by}
//   {cmd:'posts'}             → the POSTs received on input endpoints: [{path, status, at}]
import { createJenkinsSim } from '../tools/jenkins-sim/index.ts';

export const JOB = 'bench-deploy';
export const INPUT_ID = 'Approve';

const now = () => performance.timeOrigin + performance.now();
const sim = await createJenkinsSim({ port: 0, quietPeriodMs: 0, timeScale: 0.001, startGapMs: 0 });
sim.createJob(JOB, {
  description: 'Approvals benchmark: every run waits at an input step',
  concurrentBuild: true,
  script: [{ log: 'deploying?\n' }, { input: { id: INPUT_ID, message: 'Deploy?', ok: 'Deploy' } }, { log: 'deployed\n' }],
});

/** build number → {at, kind, by} once answered; waiters for the rest. */
const answered = new Map();
const waiters = new Map();

function hook(build) {
  for (const p of build.pendingInputs) {
    if (p.benchHooked) continue;
    p.benchHooked = true;
    const inner = p.resolve;
    p.resolve = (outcome) => {
      const rec = { at: now(), kind: outcome.kind, by: outcome.by ?? null };
      answered.set(build.number, rec);
      for (const w of waiters.get(build.number) ?? []) w(rec);
      waiters.delete(build.number);
      return inner(outcome);
    };
  }
}

/** One run at a time: a trigger right after another could be merged into the same queue item. */
async function startRun() {
  const job = sim.job(JOB);
  const n = job.nextBuildNumber;
  sim.trigger(JOB);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const b = job.builds.find((x) => x.number === n);
    if (b?.pendingInputs.length) {
      hook(b);
      return n;
    }
    if (Date.now() > deadline) throw new Error(`run #${n} did not reach its input step`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function answer(m) {
  switch (m.cmd) {
    case 'runs': {
      const numbers = [];
      for (let i = 0; i < m.count; i++) numbers.push(await startRun());
      return { numbers };
    }
    case 'answered': {
      const done = answered.get(m.number);
      if (done) return done;
      return new Promise((resolve) => waiters.set(m.number, [...(waiters.get(m.number) ?? []), resolve]));
    }
    case 'posts':
      return {
        posts: sim.requests
          .filter((r) => r.method === 'POST' && r.path.includes('/input/'))
          .map((r) => ({ path: r.path, status: r.status, at: r.at })),
      };
    default:
      throw new Error(`unknown command ${m.cmd}`);
  }
}

process.on('message', (m) => {
  answer(m).then(
    (r) => process.send({ id: m.id, ok: true, ...r }),
    (e) => process.send({ id: m.id, ok: false, error: String(e?.stack ?? e) }),
  );
});
process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
process.send({ ready: true, url: sim.url, job: JOB, inputId: INPUT_ID });
