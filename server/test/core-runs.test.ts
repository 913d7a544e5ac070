import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, type TestApp } from './test-app.js';

describe('runs: targets, capped ordered logs, live viewers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { runs: { maxOutputBytesPerTarget: 2048 } } });
  });
  afterAll(() => t.close());

  const runs = () => t.gh.ctx.runs;

  it('keeps stdout and stderr apart per target, in order, and resumes from an offset', async () => {
    const run = await runs().create({
      kind: 'test',
      subject: { type: 'task', id: 1 },
      trigger: 'manual',
      targets: [
        { key: 'a', name: 'host-a' },
        { key: 'b', name: 'host-b' },
      ],
    });
    const [a, b] = run.targets;
    await runs().startRun(run.id);
    runs().append(run.id, a.id, 'stdout', 'one\n');
    runs().append(run.id, b.id, 'stderr', 'oops\n');
    runs().append(run.id, a.id, 'stdout', 'two\n');
    await runs().flush();
    const first = await runs().readLog(run.id, 0);
    expect(first.chunks.map((c) => [c.targetId, c.stream, c.text])).toEqual([
      [a.id, 'stdout', 'one\n'],
      [b.id, 'stderr', 'oops\n'],
      [a.id, 'stdout', 'two\n'],
    ]);
    runs().append(run.id, a.id, 'stdout', 'three\n');
    await runs().flush();
    const rest = await runs().readLog(run.id, first.next);
    expect(rest.chunks.map((c) => c.text)).toEqual(['three\n']);
    await runs().finishTarget(run.id, a.id, 'succeeded', 0);
    await runs().finishTarget(run.id, b.id, 'failed', 3, 'exit 3');
    await runs().finishRun(run.id, 'failed');
    const out = await runs().outputOf(run.id);
    expect(out.get(a.id)).toMatchObject({ stdout: 'one\ntwo\nthree\n', stderr: '' });
    expect(out.get(b.id)).toMatchObject({ stdout: '', stderr: 'oops\n' });
    const done = (await runs().get(run.id))!;
    expect(done.status).toBe('failed');
    expect(done.targets.map((x) => [x.status, x.exitCode])).toEqual([
      ['succeeded', 0],
      ['failed', 3],
    ]);
  });

  it('caps a target’s output with one visible mark and counts what it dropped', async () => {
    const run = await runs().create({
      kind: 'test',
      subject: { type: 'task', id: 2 },
      trigger: 'manual',
      targets: [{ key: 'a', name: 'a' }],
    });
    const id = run.targets[0].id;
    for (let i = 0; i < 100; i++) runs().append(run.id, id, 'stdout', `${'x'.repeat(99)}\n`);
    await runs().finishTarget(run.id, id, 'succeeded', 0);
    const out = (await runs().outputOf(run.id)).get(id)!;
    expect(Buffer.byteLength(out.stdout)).toBe(2048);
    expect(out.system).toContain('output truncated by Gatehouse after 2048 bytes');
    const target = (await runs().get(run.id))!.targets[0];
    expect(target.truncated).toBe(true);
    const row = await t.gh.ctx.db.selectFrom('runs_targets').select('output_bytes').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(row.output_bytes)).toBe(10_000);
  });

  it('marks runs a dead process left running as interrupted', async () => {
    const run = await runs().create({
      kind: 'test',
      subject: { type: 'task', id: 3 },
      trigger: 'manual',
      targets: [{ key: 'a', name: 'a' }],
    });
    await runs().startRun(run.id);
    await runs().interruptLeftovers();
    const r = (await runs().get(run.id))!;
    expect(r.status).toBe('interrupted');
    expect(r.targets[0].status).toBe('interrupted');
  });

  it('streams a run over /api/ws to a viewer its module allows, and refuses others', async () => {
    t.gh.ctx.runTopic.authorize('test', async (p) => p.username === 'admin');
    const run = await runs().create({
      kind: 'test',
      subject: { type: 'task', id: 4 },
      trigger: 'manual',
      targets: [{ key: 'a', name: 'a' }],
    });
    const tid = run.targets[0].id;
    runs().append(run.id, tid, 'stdout', 'before\n');
    await runs().flush();
    const base = await t.gh.app.listen({ port: 0, host: '127.0.0.1' });
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/ws`);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', token: await t.adminToken() }));
    const wait = async (pred: () => unknown) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred()).toBeTruthy();
    };
    await wait(() => frames.some((f) => f.type === 'ready'));
    ws.send(JSON.stringify({ type: 'subscribe', topic: `run:${run.id}` }));
    ws.send(JSON.stringify({ type: 'subscribe', topic: 'run:999999' }));
    const text = () =>
      frames
        .filter((f) => f.type === 'log')
        .flatMap((f) => (f.chunks as { text: string }[]).map((c) => c.text))
        .join('');
    await wait(() => text() === 'before\n');
    runs().append(run.id, tid, 'stdout', 'after\n');
    await runs().finishTarget(run.id, tid, 'succeeded', 0);
    await runs().finishRun(run.id, 'succeeded');
    await wait(() => text() === 'before\nafter\n');
    await wait(() => frames.some((f) => f.type === 'status' && (f.run as { status: string }).status === 'succeeded'));
    expect(frames.find((f) => f.type === 'error')).toMatchObject({ topic: 'run:999999', code: 'NOT_FOUND' });
    ws.close();
  });

  it('prunes the logs of old runs in the retention job, keeping the runs', async () => {
    const run = await runs().create({
      kind: 'test',
      subject: { type: 'task', id: 5 },
      trigger: 'manual',
      targets: [{ key: 'a', name: 'a' }],
    });
    runs().append(run.id, run.targets[0].id, 'stdout', 'old\n');
    await runs().finishRun(run.id, 'succeeded');
    const n = await runs().pruneLogs(new Date(Date.now() + 60_000));
    expect(n).toBeGreaterThan(0);
    expect((await runs().readLog(run.id, 0)).chunks).toEqual([]);
    expect(await runs().get(run.id)).not.toBeNull();
  });
});
