import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { describeDb } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { until } from './jenkins-helpers.js';
import {
  approve,
  createApprovalsTestApp,
  makePolicy,
  makeRequest,
  makeUser,
  type ApprovalsTestApp,
  type TestUser,
} from './approvals-helpers.js';

type Frame = Record<string, unknown>;

async function connect(base: string, token: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/ws`);
  const frames: Frame[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'auth', token }));
  await until('ready', async () => frames.find((f) => f.type === 'ready'));
  return { ws, frames };
}

describeDb(`approvals: LiveHub topic approvals (${TEST_DIALECT})`, () => {
  let a: ApprovalsTestApp;
  let base: string;
  let alice: TestUser;
  let viewer: TestUser;
  let nobody: TestUser;

  beforeAll(async () => {
    a = await createApprovalsTestApp();
    alice = await makeUser(a);
    viewer = await makeUser(a, { grants: [['approvals.view', 'alpha']] });
    nobody = await makeUser(a);
    await makePolicy(a, { project: '*', environment: '*', levels: [{ approvers: { users: [alice.username] }, mode: 'any' }] });
    base = await a.t.gh.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => a?.close());

  it('forwards events to users who may see the request, and refuses those with no approvals.view', async () => {
    const v = await connect(base, viewer.token);
    const n = await connect(base, nobody.token);
    v.ws.send(JSON.stringify({ type: 'subscribe', topic: 'approvals' }));
    n.ws.send(JSON.stringify({ type: 'subscribe', topic: 'approvals' }));
    await until('subscribed', async () => v.frames.find((f) => f.topic === 'approvals' && f.type === 'subscribed'));
    const refused = await until('refusal', async () => n.frames.find((f) => f.type === 'error' && f.topic === 'approvals'));
    expect(refused.code).toBe('FORBIDDEN');

    const hidden = await makeRequest(a, { project: 'beta', environment: 'prod' });
    const shown = await makeRequest(a, { project: 'alpha', environment: 'prod' });
    await approve(a, shown.id, alice.token);
    await until('decided frame', async () => v.frames.find((f) => f.type === 'decided' && f.id === shown.id));
    const mine = v.frames.filter((f) => f.topic === 'approvals' && f.type !== 'subscribed');
    expect(mine.map((f) => [f.id, f.type, f.status])).toEqual([
      [shown.id, 'requested', 'pending'],
      [shown.id, 'voted', 'approved'],
      [shown.id, 'decided', 'approved'],
    ]);
    expect(v.frames.some((f) => f.id === hidden.id)).toBe(false);
    v.ws.close();
    n.ws.close();
  });
});
