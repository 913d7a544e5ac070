import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { closedPort, startSmtpPeer, type SmtpPeer } from './notify-smtp-peer.js';

const SEC = 1000;

describeDb(`e-mail delivery over real SMTP (${TEST_DIALECT})`, () => {
  let t: TestApp | undefined;
  let peer: SmtpPeer | undefined;
  let clock: ManualClock;

  afterEach(async () => {
    await t?.close();
    await peer?.close();
    t = peer = undefined;
  });

  async function app(smtp: Record<string, unknown>): Promise<TestApp> {
    clock = new ManualClock('2030-01-01T00:00:00Z');
    t = await createTestApp({ clock, config: { smtp: { from: 'Gatehouse <gatehouse@example.test>', ...smtp } } });
    return t;
  }

  const delivery = (id: number) => t!.gh.ctx.db.selectFrom('notify_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('delivers a message with subject, recipient and body, authenticating as configured', async () => {
    peer = await startSmtpPeer({ disabledCommands: ['STARTTLS'], users: { mailer: 'm@il-Pass' } });
    await app({ host: '127.0.0.1', port: peer.port, user: 'mailer', password: 'm@il-Pass' });
    const id = await t!.gh.modules.notify.service.email({
      to: 'ops@example.test',
      subject: 'Build #12 approved',
      text: 'Approved by alice.\n审批通过。',
    });
    expect(await delivery(id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await t!.gh.ctx.jobs.drain()).toBe(1);

    const mail = await peer.next();
    expect(mail).toMatchObject({
      from: 'gatehouse@example.test',
      to: ['ops@example.test'],
      user: 'mailer',
      subject: 'Build #12 approved',
      secure: false,
    });
    expect(mail.headers.to).toBe('ops@example.test');
    expect(mail.text).toBe('Approved by alice.\n审批通过。');
    expect(await delivery(id)).toMatchObject({ status: 'sent', attempts: 1, last_error: null, sent_at: '2030-01-01T00:00:00.000Z' });
  });

  it('upgrades with STARTTLS to a self-signed server when told to trust it', async () => {
    peer = await startSmtpPeer(); // offers STARTTLS with a self-signed certificate
    await app({ host: '127.0.0.1', port: peer.port, requireTls: true, tlsRejectUnauthorized: false });
    const id = await t!.gh.modules.notify.service.email({ to: 'sec@example.test', subject: 'over TLS', text: 'hello' });
    await t!.gh.ctx.jobs.drain();
    expect(await peer.next()).toMatchObject({ subject: 'over TLS', secure: true, to: ['sec@example.test'] });
    expect(await delivery(id)).toMatchObject({ status: 'sent' });
  });

  it('refuses a self-signed certificate by default, and never falls back to clear text when TLS is required', async () => {
    peer = await startSmtpPeer();
    await app({ host: '127.0.0.1', port: peer.port, requireTls: true });
    const id = await t!.gh.modules.notify.service.email({ to: 'a@example.test', subject: 'x', text: 'x' });
    await t!.gh.ctx.jobs.drain();
    expect(await delivery(id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      last_error: expect.stringMatching(/self[- ]signed|certificate/i),
    });
    await t!.close();
    await peer.close();

    peer = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
    await app({ host: '127.0.0.1', port: peer.port, requireTls: true, tlsRejectUnauthorized: false });
    const id2 = await t!.gh.modules.notify.service.email({ to: 'a@example.test', subject: 'x', text: 'x' });
    await t!.gh.ctx.jobs.drain();
    expect(await delivery(id2)).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringMatching(/STARTTLS/i) });
    expect(peer.mails).toEqual([]);
  });

  it('speaks TLS from the first byte in secure mode', async () => {
    peer = await startSmtpPeer({ secure: true });
    await app({ host: '127.0.0.1', port: peer.port, secure: true, tlsRejectUnauthorized: false });
    const id = await t!.gh.modules.notify.service.email({ to: 'tls@example.test', subject: 'implicit TLS', text: 'hello' });
    await t!.gh.ctx.jobs.drain();
    expect(await peer.next()).toMatchObject({ subject: 'implicit TLS', secure: true });
    expect(await delivery(id)).toMatchObject({ status: 'sent' });
  });

  it('queues while SMTP is down, retries with backoff, and finally fails with the last error', async () => {
    await app({ host: '127.0.0.1', port: await closedPort() });
    const id = await t!.gh.modules.notify.service.email({ to: 'ops@example.test', subject: 'never', text: 'x' });
    const [job] = await t!.gh.ctx.jobs.listJobs({ name: 'notify.email' });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const before = clock.now().getTime();
      expect(await t!.gh.ctx.jobs.drain()).toBe(1);
      const d = await delivery(id);
      expect(d).toMatchObject({
        attempts: attempt,
        status: attempt < 5 ? 'queued' : 'failed',
        last_error: expect.stringContaining('ECONNREFUSED'),
      });
      const j = (await t!.gh.ctx.jobs.getJob(job.id))!;
      if (attempt < 5) {
        delays.push(Date.parse(j.runAt) - before);
        expect(await t!.gh.ctx.jobs.drain()).toBe(0); // not before its time
        clock.set(j.runAt);
      } else {
        expect(j).toMatchObject({ state: 'failed', attempts: 5, lastError: expect.stringContaining('ECONNREFUSED') });
      }
    }
    expect(delays).toEqual([5 * SEC, 10 * SEC, 20 * SEC, 40 * SEC]);
    clock.advance(3600 * SEC);
    expect(await t!.gh.ctx.jobs.drain()).toBe(0);
  });

  it('delivers on a retry once SMTP is back', async () => {
    const port = await closedPort();
    await app({ host: '127.0.0.1', port });
    const id = await t!.gh.modules.notify.service.email({ to: 'ops@example.test', subject: 'late but there', text: 'x' });
    await t!.gh.ctx.jobs.drain();
    expect(await delivery(id)).toMatchObject({ status: 'queued', attempts: 1 });
    peer = await startSmtpPeer({ port, disabledCommands: ['STARTTLS'] });
    clock.advance(5 * SEC);
    await t!.gh.ctx.jobs.drain();
    expect(await peer.next()).toMatchObject({ subject: 'late but there' });
    expect(await delivery(id)).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
  });

  it('records a message as skipped, with the reason, when no SMTP host is configured', async () => {
    await app({});
    const id = await t!.gh.modules.notify.service.email({ to: 'ops@example.test', subject: 'nowhere', text: 'x' });
    expect(await delivery(id)).toMatchObject({ status: 'skipped', attempts: 0, last_error: 'SMTP is not configured (smtp.host)' });
    expect(await t!.gh.ctx.jobs.listJobs({ name: 'notify.email' })).toEqual([]);
  });
});
