// The Jenkins emulator in its own process for the Jenkins benchmarks, driven over IPC. Run with
// `node --import tsx` (it imports the TypeScript emulator directly); jenkins-lib.mjs forks it.
// The emulator keeps its request log in memory only (no HTTP control endpoint), so the parent asks
// for counts over IPC instead of putting a counting proxy in the path of the measured requests.
//
// Messages (each answered with {id, ok, ...}):
//   {cmd:'stats'}                  → requests by kind, first/last arrival (ms since epoch)
//   {cmd:'clear'}                  → forget the request log
//   {cmd:'live', project, branch}  → a multibranch project whose branch runs one build that holds
//   {cmd:'ticks', everyMs, bytes}  → append one line `tick <seq> <epoch ms> xxx…` (`bytes` long) to
//                                    that build every everyMs
//   {cmd:'stopLive'}               → stop appending and let the build finish
//   {cmd:'polls'}                  → the progressiveText requests received: [{start, at}]
import { createJenkinsSim } from '../tools/jenkins-sim/index.ts';
import { generateProjects } from '../tools/jenkins-sim/fixture.ts';

const opts = JSON.parse(process.argv[2] ?? '{}');
const sim = await createJenkinsSim({ port: opts.port ?? 0, quietPeriodMs: 0, timeScale: 0.001, startGapMs: 0 });
if (opts.projects) generateProjects(sim, { projects: opts.projects, branches: opts.branches ?? 20 });

let live = null;

function kindOf(path) {
  if (path.includes('/logText/')) return 'progressiveText';
  if (/^\/api\/json/.test(path)) return 'listItems (root tree)';
  if (/^\/job\/[^/]+\/api\/json$/.test(path)) return 'project tree';
  if (path.includes('crumbIssuer')) return 'crumb';
  if (path.includes('whoAmI')) return 'whoAmI';
  return 'other';
}

function stats() {
  const byKind = {};
  for (const r of sim.requests) {
    const k = `${r.method} ${kindOf(r.path)}`;
    byKind[k] = (byKind[k] ?? 0) + 1;
  }
  const at = sim.requests.map((r) => r.at);
  return {
    total: sim.requests.length,
    byKind,
    firstAt: at.length ? Math.min(...at) : null,
    lastAt: at.length ? Math.max(...at) : null,
    non2xx: sim.requests.filter((r) => r.status !== null && r.status >= 400).length,
  };
}

function startLive({ project, branch }) {
  sim.createMultibranch(project, { description: 'Live log benchmark' });
  sim.addBranch(project, branch, { script: [{ log: 'live log benchmark\n' }, { hold: 'end' }] });
  sim.trigger([project, branch]);
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const wait = () => {
      const b = sim.job([project, branch]).builds.find((x) => x.building);
      if (b) {
        live = { build: b, project, branch, number: b.number, seq: 0, timer: null };
        return resolve({ number: b.number });
      }
      if (Date.now() > deadline) return reject(new Error('the live build did not start'));
      setTimeout(wait, 10);
    };
    wait();
  });
}

function startTicks({ everyMs, bytes }) {
  live.timer = setInterval(() => {
    const head = `tick ${++live.seq} ${Date.now()} `;
    live.build.log.append(head + 'x'.repeat(Math.max(0, bytes - head.length - 1)) + '\n');
  }, everyMs);
  return Promise.resolve({});
}

async function answer(m) {
  switch (m.cmd) {
    case 'stats':
      return stats();
    case 'clear':
      sim.clearRequests();
      return {};
    case 'live':
      return startLive(m);
    case 'ticks':
      return startTicks(m);
    case 'polls':
      return {
        polls: sim.requests.filter((r) => r.path.includes('/logText/')).map((r) => ({ start: Number(r.query.start ?? 0), at: r.at })),
      };
    case 'stopLive': {
      if (!live) return {};
      clearInterval(live.timer);
      sim.release([live.project, live.branch], live.number, 'end');
      return { lines: live.seq };
    }
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
process.send({ ready: true, url: sim.url });
