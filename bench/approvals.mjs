#!/usr/bin/env node
// Approvals (issue 5): decision-to-Jenkins-proceed latency, and the cost of many pending requests
// with reminders, against a real Gatehouse process (server/dist/main.js) and the Jenkins emulator
// in its own process (bench/approvals-sim-host.mjs).
//
// 1. Decision → proceed. A run of the emulator's pipeline waits at its input step; the pipeline's
//    stage call (GET /api/stage/approval/wait … &inputId=Approve, personal API token with
//    approvals.request) creates the request; the approver calls POST /api/approve/{id}; measured:
//    from sending that call until the emulator has the input proceeded (timestamp taken inside the
//    emulator). Anchor, interleaved with it: the bare POST Gatehouse's Jenkins client sends
//    (…/input/Approve/proceedEmpty, Basic auth with the API token, keep-alive), sent by the bench.
//    The ratio is Gatehouse's overhead: the decision's transaction and audit, the follow-up job's
//    pick-up and its bookkeeping writes.
// 2. Pending requests with reminders. Phases, all while latency probes run (GET
//    /api/approvals?status=pending and GET /api/me as the approver, GET /health, one at a time):
//    idle (nothing pending) → creation of --pending requests through the stage endpoint
//    (--concurrency at once) → all pending, quiet → reminders firing (policy reminder
//    {firstMinutes: F, backoff: 1, max: --reminders}; F is chosen so the first reminder comes
//    --phase-seconds after the creation should have ended, from the stage call's latency measured
//    in part 1) → after the last reminder. Per phase: CPU (% of one core, from /proc/<pid>/stat)
//    and RSS of the Gatehouse process, probe latencies and their ratio to the idle phase; plus
//    creation req/s and the database's growth. "Reminders firing" = the 0.5-s sampling intervals in
//    which the number of `reminded` history rows grew (read from the database by the bench).
//
// Usage: npm run bench:approvals [-- --db sqlite|postgres|both --requests 50 --pending 1000
//          --reminders 2 --concurrency 8 --phase-seconds 10 --probe-ms 50]
//   --db postgres uses a fresh database on 127.0.0.1:5432 (GATEHOUSE_BENCH_PG_URL for another admin
//   URL), created and dropped by the bench. Quick check: -- --requests 10 --pending 100 --phase-seconds 3
// Writes bench/results/approvals.md (+ .json with every sample, .tsv with the resource timeline).
import { execSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { root, sleep, startGatehouse, writeResults } from './lib.mjs';
import { api, forkIpc, loadNote, login, waitSyncDone } from './jenkins-lib.mjs';
import * as L from './approvals-lib.mjs';

const argv = process.argv;
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? argv[i + 1] : dflt;
};
const num = (name, dflt) => Number(arg(name, dflt));
const O = {
  dbs: arg('db', 'sqlite') === 'both' ? ['sqlite', 'postgres'] : [arg('db', 'sqlite')],
  requests: num('requests', 50),
  warmup: num('warmup', 3),
  pending: num('pending', 1000),
  reminders: num('reminders', 2),
  concurrency: num('concurrency', 8),
  phaseSeconds: num('phase-seconds', 10),
  probeMs: num('probe-ms', 50),
};
for (const d of O.dbs) if (!['sqlite', 'postgres'].includes(d)) throw new Error(`--db ${d}: use sqlite, postgres or both`);

const PASSWORD = 'Bench#User1234';
const SAMPLE_MS = 500;
const ENV = 'prod';
const LEVELS = (user) => [{ approvers: { users: [user] }, mode: 'any' }];
const basic = `Basic ${Buffer.from('admin:admin-token').toString('base64')}`;

/** Users, grant and tokens: an approver (session) and a pipeline user (personal API token). */
async function setup(g) {
  const admin = await login(g.url);
  const mk = (username) =>
    api(g.url, admin, 'POST', '/api/users', { username, password: PASSWORD, roles: ['user'], mustChangePassword: false });
  await mk('bench-approver');
  const pipeline = await mk('bench-pipeline');
  await api(g.url, admin, 'POST', '/api/access/grants', {
    subjectType: 'user',
    subjectId: pipeline.id,
    permission: 'approvals.request',
    project: 'bench-*',
    environment: ENV,
  });
  const pipelineSession = await login(g.url, 'bench-pipeline', PASSWORD);
  const { token: pipelineToken } = await api(g.url, pipelineSession, 'POST', '/api/me/tokens', { name: 'jenkins' });
  const approverToken = await login(g.url, 'bench-approver', PASSWORD);
  const policy = (name, extra = {}) =>
    api(g.url, admin, 'POST', '/api/approval-policies', {
      name,
      project: name,
      environment: ENV,
      levels: LEVELS('bench-approver'),
      timeoutMinutes: 24 * 60,
      ...extra,
    });
  await policy('bench-latency');
  return { admin, approverToken, pipelineToken, policy };
}

/** The stage call a pipeline makes; answers {approval_id, status, created}. */
async function stageCall(g, token, p) {
  const qs = new URLSearchParams({ env: ENV, inputId: 'Approve', version: '1.0', desc: 'approvals bench', ...p });
  const t = L.now();
  const r = await request(`${g.url}/api/stage/approval/wait?${qs}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await r.body.json();
  if (r.statusCode !== 201 || body.status !== 'pending') throw new Error(`stage call → ${r.statusCode} ${JSON.stringify(body)}`);
  return { id: body.approval_id, ms: L.now() - t };
}

/** Part 1: one sample through Gatehouse and one bare proceed, interleaved, per run. */
async function decisionLatency(g, sim, s) {
  const total = O.warmup + O.requests;
  const { numbers } = await sim.call('runs', { count: 2 * total });
  const jenkins = new Agent({ connections: 4 });
  const gh = [];
  const bare = [];
  const approveMs = [];
  const stageMs = [];
  const answered = async (number) => {
    const r = await Promise.race([sim.call('answered', { number }), sleep(30_000).then(() => null)]);
    if (!r) throw new Error(`run #${number}: the input was not answered within 30 s`);
    if (r.kind !== 'proceed') throw new Error(`run #${number}: the input was ${r.kind}, not proceeded`);
    return r.at;
  };
  for (let i = 0; i < total; i++) {
    const keep = i >= O.warmup;
    // Anchor: what Gatehouse's client sends, straight from here.
    const nb = numbers[2 * i];
    const t0 = L.now();
    const r = await request(`${sim.url}/job/${sim.job}/${nb}/input/${sim.inputId}/proceedEmpty`, {
      method: 'POST',
      headers: { authorization: basic },
      dispatcher: jenkins,
    });
    await r.body.dump();
    if (r.statusCode !== 200) throw new Error(`bare proceed → ${r.statusCode}`);
    const bareMs = (await answered(nb)) - t0;
    // Through Gatehouse: the pipeline asks, then the approver decides.
    const ng = numbers[2 * i + 1];
    const asked = await stageCall(g, s.pipelineToken, { project: 'bench-latency', job: sim.job, build: String(ng) });
    await sleep(50); // let the request's notifications and due job settle: measure the decision alone
    const t1 = L.now();
    await api(g.url, s.approverToken, 'POST', `/api/approve/${asked.id}`, { comment: 'bench' });
    const t2 = L.now();
    const ghMs = (await answered(ng)) - t1;
    if (keep) {
      bare.push(bareMs);
      gh.push(ghMs);
      approveMs.push(t2 - t1);
      stageMs.push(asked.ms);
    }
    await sleep(20);
  }
  await jenkins.close();
  const posts = (await sim.call('posts')).posts;
  return {
    gatehouse: L.stats(gh),
    bare: L.stats(bare),
    approveCall: L.stats(approveMs),
    followUp: L.stats(gh.map((v, i) => v - approveMs[i])),
    stageCall: L.stats(stageMs),
    proceedPosts: posts.filter((p) => p.path.endsWith('/proceedEmpty')).length,
    samples: { gatehouse: gh, bare, approveCall: approveMs, stageCall: stageMs },
  };
}

/**
 * The creation rate with --concurrency callers, from a pilot batch on runs that really wait at the
 * input (approved afterwards, so nothing of it stays pending), to place the first reminder.
 */
async function pilotRate(g, sim, s) {
  const count = Math.min(50, Math.max(10, Math.round(O.pending / 20)));
  const { numbers } = await sim.call('runs', { count });
  const t0 = L.now();
  const asked = await L.pool(count, O.concurrency, (i) =>
    stageCall(g, s.pipelineToken, { project: 'bench-latency', job: sim.job, build: String(numbers[i]) }),
  );
  const rate = count / ((L.now() - t0) / 1000);
  await L.pool(count, O.concurrency, (i) => api(g.url, s.approverToken, 'POST', `/api/approve/${asked[i].id}`, {}));
  await Promise.all(numbers.map((number) => sim.call('answered', { number })));
  return { count, rate };
}

/** Part 2: idle → creation → pending quiet → reminders → after, sampled throughout. */
async function pendingCost(g, sim, s, probe) {
  const pilot = await pilotRate(g, sim, s);
  await sleep(1000);
  const sampler = L.startSampler(g.child.pid, probe, SAMPLE_MS);
  const auth = { authorization: `Bearer ${s.approverToken}` };
  const probes = L.startProbes(
    [
      { name: 'pending', url: `${g.url}/api/approvals?status=pending`, headers: auth },
      { name: 'me', url: `${g.url}/api/me`, headers: auth },
      { name: 'health', url: `${g.url}/health` },
    ],
    O.probeMs,
  );
  const W = O.phaseSeconds * 1000;
  const mark = { idleStart: L.now() };
  await sleep(W);
  mark.idleEnd = L.now();
  const sizeBefore = await probe.sizeBytes();
  const remindersBefore = await probe.reminders();

  // First reminder: after the creation should be over (at the pilot's rate, with a 1.5× margin)
  // plus one quiet phase.
  const creationEstimateS = (O.pending / pilot.rate) * 1.5;
  const firstS = Math.max(6, Math.ceil(creationEstimateS + O.phaseSeconds + 3));
  await s.policy('bench-pending', { reminder: { firstMinutes: Math.round((firstS / 60) * 1000) / 1000, backoff: 1, max: O.reminders } });

  mark.createStart = L.now();
  const created = await L.pool(O.pending, O.concurrency, (i) =>
    stageCall(g, s.pipelineToken, { project: 'bench-pending', job: 'bench-pending-job', build: String(i + 1) }),
  );
  mark.createEnd = L.now();
  const sizeCreated = await probe.sizeBytes();
  const total = (await api(g.url, s.approverToken, 'GET', '/api/approvals?status=pending&pageSize=1')).total;

  const expected = remindersBefore + O.pending * O.reminders;
  const cap = mark.createEnd + (firstS * O.reminders + 120) * 1000;
  let remindersSeen = false;
  while (L.now() < cap) {
    const last = sampler.last()?.reminders ?? 0;
    if (!remindersSeen && last > remindersBefore) {
      remindersSeen = true;
      mark.firstReminderSeen = L.now();
    }
    if (last >= expected) break;
    await sleep(250);
  }
  mark.lastReminderSeen = L.now();
  await sleep(W + 1000);
  mark.end = L.now();
  await probes.stop();
  await sampler.stop();
  const sizeAfter = await probe.sizeBytes();
  const remindersAfter = await probe.reminders();
  return phases({
    pilot,
    sampler,
    probes,
    mark,
    W,
    firstS,
    created,
    total,
    sizeBefore,
    sizeCreated,
    sizeAfter,
    remindersBefore,
    remindersAfter,
  });
}

/** Cut the samples and probes into phases. */
function phases(x) {
  const ivs = L.intervals(x.sampler.samples);
  // An interval belongs to the phase its middle falls in (phases are not aligned to the samples).
  const within = (a, b) => ivs.filter((v) => (v.from + v.to) / 2 >= a && (v.from + v.to) / 2 <= b);
  const firstActive = ivs.find((v) => v.reminded > 0 && v.from >= x.mark.createStart);
  const lastActive = ivs.findLast((v) => v.reminded > 0);
  const storm = ivs.filter((v) => v.reminded > 0 && v.from >= x.mark.createEnd);
  const quietEnd = firstActive ? firstActive.from : x.mark.lastReminderSeen;
  const windows = {
    idle: { ivs: within(x.mark.idleStart, x.mark.idleEnd), span: [[x.mark.idleStart, x.mark.idleEnd]] },
    creation: { ivs: within(x.mark.createStart, x.mark.createEnd), span: [[x.mark.createStart, x.mark.createEnd]] },
    quiet: { ivs: within(x.mark.createEnd + 1000, quietEnd), span: [[x.mark.createEnd + 1000, quietEnd]] },
    storm: { ivs: storm, span: storm.map((v) => [v.from, v.to]) },
    after: {
      ivs: lastActive ? ivs.filter((v) => v.from >= lastActive.to) : [],
      span: lastActive ? [[lastActive.to, x.mark.end]] : [],
    },
  };
  const out = {};
  for (const [name, w] of Object.entries(windows)) {
    const inSpan = (t) => w.span.some(([a, b]) => t >= a && t <= b);
    const pr = x.probes.results.filter((r) => inSpan(r.t));
    const by = (n) => L.stats(pr.filter((r) => r.name === n && r.ok).map((r) => r.ms));
    out[name] = {
      usage: L.usage(w.ivs),
      probes: { pending: by('pending'), me: by('me'), health: by('health') },
      probeErrors: pr.filter((r) => !r.ok).length,
    };
  }
  const createdMs = x.created.map((c) => c.ms);
  return {
    phases: out,
    creation: {
      seconds: (x.mark.createEnd - x.mark.createStart) / 1000,
      rate: x.created.length / ((x.mark.createEnd - x.mark.createStart) / 1000),
      call: L.stats(createdMs),
      pendingTotal: x.total,
      pilot: x.pilot,
    },
    reminders: {
      firstSeconds: x.firstS,
      sent: x.remindersAfter - x.remindersBefore,
      stormSeconds: storm.reduce((s, v) => s + v.seconds, 0),
      startedDuringCreation: !!ivs.find((v) => v.reminded > 0 && v.from < x.mark.createEnd - 1000 && v.from >= x.mark.createStart),
    },
    db: { before: x.sizeBefore, created: x.sizeCreated, after: x.sizeAfter },
    timeline: ivs.map((v) => ({
      t: (v.to - x.mark.idleStart) / 1000,
      cpuPct: v.cpuPct,
      rssMb: v.rssMb,
      reminded: v.reminded,
      reminders: v.reminders,
    })),
  };
}

async function runOn(kind) {
  const pgDb = kind === 'postgres' ? await L.createPgDatabase() : null;
  const sim = await forkIpc('bench/approvals-sim-host.mjs', [], ['--import', 'tsx']);
  let g;
  let probe;
  try {
    g = await startGatehouse({
      port: kind === 'postgres' ? 18711 : 18710,
      env: {
        JENKINS_URL: sim.url,
        JENKINS_USER: 'admin',
        JENKINS_TOKEN: 'admin-token',
        GATEHOUSE__JENKINS__SYNC_INTERVAL_MINUTES: '0',
        ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
      },
    });
    const s = await setup(g);
    await waitSyncDone(g.url, s.admin);
    probe = await L.openDbProbe(kind, { dataDir: g.dir, pgUrl: pgDb?.url });
    console.log(`[${kind}] decision → proceed, ${O.requests} requests (+${O.warmup} warm-up) …`);
    const lat = await decisionLatency(g, sim, s);
    console.log(`[${kind}] ${O.pending} pending requests with ${O.reminders} reminders each …`);
    const cost = await pendingCost(g, sim, s, probe);
    return { kind, lat, cost, rssIdle: cost.phases.idle.usage?.rssAvgMb };
  } finally {
    await probe?.close().catch(() => {});
    await g?.stop();
    await sim.stop();
    await pgDb?.drop();
    if (g) rmSync(g.dir, { recursive: true, force: true });
  }
}

const kb = (b) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} KB`);

function latencyRows(r) {
  const { gatehouse: gh, bare } = r.lat;
  const row = (measure, st, anchor) => ({
    db: r.kind,
    measure,
    n: st.n,
    p50: L.ms(st.p50),
    p95: L.ms(st.p95),
    p99: L.ms(st.p99),
    max: L.ms(st.max),
    'vs anchor (p50 / p99)': anchor
      ? `${L.times(st.p50, anchor.p50)} / ${L.times(st.p99, anchor.p99)}`
      : anchor === null
        ? '1× (anchor)'
        : '—',
  });
  return [
    row('bare POST …/input/Approve/proceedEmpty → emulator proceeds (anchor)', bare, null),
    row('POST /api/approve/{id} sent → emulator proceeds', gh, bare),
    row('… of which: POST /api/approve/{id} answered (200)', r.lat.approveCall),
    row('… of which: from the 200 until the emulator proceeds (follow-up job)', r.lat.followUp),
    row('GET /api/stage/approval/wait (creates the request, 201)', r.lat.stageCall),
  ];
}

function costRows(r) {
  const P = r.cost.phases;
  const idle = P.idle.probes;
  const cell = (st, base) => `${L.ms(st.p50)} / ${L.ms(st.p99)} (${L.times(st.p50, base.p50)} / ${L.times(st.p99, base.p99)})`;
  const names = {
    idle: 'idle, nothing pending (anchor)',
    creation: `creating ${O.pending} (${O.concurrency} at once)`,
    quiet: `${O.pending} pending, no reminder due`,
    storm: `${O.pending} pending, reminders firing`,
    after: `${O.pending} pending, after the last reminder`,
  };
  return Object.entries(names).map(([k, label]) => {
    const u = P[k].usage;
    return {
      db: r.kind,
      phase: label,
      seconds: u ? u.seconds.toFixed(0) : '—',
      [`CPU avg (peak ${SAMPLE_MS} ms)`]: u ? `${L.pct(u.cpuPct)} (${L.pct(u.cpuPeakPct)})` : '—',
      'RSS avg (max)': u ? `${L.mb(u.rssAvgMb)} (${L.mb(u.rssMaxMb)})` : '—',
      reminders: u ? u.reminded : '—',
      'GET /api/approvals?status=pending p50 / p99 (× idle)': cell(P[k].probes.pending, idle.pending),
      'GET /api/me p50 / p99 (× idle)': cell(P[k].probes.me, idle.me),
      'GET /health p50 / p99 (× idle)': cell(P[k].probes.health, idle.health),
      'probe errors': P[k].probeErrors,
    };
  });
}

function notesFor(r) {
  const c = r.cost;
  const storm = c.phases.storm.usage;
  return [
    `**${r.kind}**: creating ${O.pending} requests through the stage endpoint took ${c.creation.seconds.toFixed(1)} s = ${c.creation.rate.toFixed(0)} req/s (stage call p50 ${L.ms(c.creation.call.p50)}, p99 ${L.ms(c.creation.call.p99)}); ${c.creation.pendingTotal} pending listed afterwards. ` +
      `${c.creation.pendingTotal === O.pending ? '' : `**expected ${O.pending}** pending. `}Reminders: first after ${c.reminders.firstSeconds} s (placed from a pilot of ${c.creation.pilot.count} concurrent stage calls at ${c.creation.pilot.rate.toFixed(0)} req/s, approved before the idle phase), ${O.reminders} per request, ${c.reminders.sent} sent` +
      (storm
        ? ` in ${storm.seconds.toFixed(0)} s of sampling intervals with reminders (${(c.reminders.sent / Math.max(1, storm.seconds)).toFixed(0)}/s)`
        : '') +
      `${c.reminders.startedDuringCreation ? ' — **reminders started before the creation had ended** (the creation took longer than estimated; the quiet phase is short or missing)' : ''}. ` +
      `Database: ${kb(c.db.before)} before, ${kb(c.db.created)} with ${O.pending} pending (+${kb(c.db.created - c.db.before)}, ${((c.db.created - c.db.before) / O.pending / 1024).toFixed(1)} KB per request), ${kb(c.db.after)} after the reminders (+${kb(c.db.after - c.db.created)}). ` +
      `Emulator received ${r.lat.proceedPosts} proceedEmpty POSTs (${O.warmup + O.requests} from Gatehouse + ${O.warmup + O.requests} anchors expected).`,
  ];
}

execSync('node scripts/ensure-built.mjs', { cwd: root, stdio: 'inherit' });
const results = [];
for (const kind of O.dbs) results.push(await runOn(kind));

const cpu = cpus();
writeResults(
  'approvals',
  `Approvals: decision → Jenkins proceed latency, and ${O.pending} pending requests with reminders (${O.dbs.join(' and ')})`,
  results.flatMap(latencyRows),
  [
    `Decision → proceed: ${O.requests} requests after ${O.warmup} warm-up ones, one at a time; each waits 50 ms after its creation before the approve call, so the measure is the decision alone. Anchor (interleaved, one per Gatehouse sample): the bench sends the bare \`POST /job/${'bench-deploy'}/N/input/Approve/proceedEmpty\` with Basic auth (the request Gatehouse's Jenkins client makes, keep-alive). Both end when the emulator resolves the input (timestamped inside the emulator process).`,
    '',
    `## ${O.pending} pending requests with reminders`,
    '',
    ...L.mdTable(results.flatMap(costRows)),
    '',
    ...results.flatMap(notesFor),
    '',
    `Phases: each --phase-seconds ${O.phaseSeconds} s (idle, after); "reminders firing" = the ${SAMPLE_MS} ms sampling intervals in which Gatehouse wrote \`reminded\` history rows (counted by the bench from the database). One approver is the only waiting approver of every request (one in-app notification per reminder, no e-mail address). CPU = user + system time of the Gatehouse process (% of one core; ${O.dbs.includes('postgres') ? 'on PostgreSQL the database server\u2019s own CPU is not included; ' : ''}the probes' own cost is included in every phase alike). Probes: one GET at a time every ${O.probeMs} ms, round-robin (approver's inbox \`GET /api/approvals?status=pending\`, page of 20; \`GET /api/me\`; \`GET /health\`).`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GB; shared with the emulator and the bench process.`,
    loadNote(),
  ],
);
const base = join(root, 'bench/results/approvals');
writeFileSync(`${base}.json`, JSON.stringify({ options: O, at: new Date().toISOString(), results }, null, 1));
writeFileSync(
  `${base}.tsv`,
  [
    'db\tt_s\tcpu_pct\trss_mb\treminded\treminders_total',
    ...results.flatMap((r) =>
      r.cost.timeline.map((v) => [r.kind, v.t.toFixed(1), v.cpuPct.toFixed(1), v.rssMb.toFixed(1), v.reminded, v.reminders].join('\t')),
    ),
  ].join('\n') + '\n',
);
