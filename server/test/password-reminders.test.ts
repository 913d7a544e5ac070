import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { startSmtpPeer, type SmtpPeer } from './notify-smtp-peer.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';

const DAY = 86_400_000;

describeDb('password-expiry reminders (seed 004: 7 days before)', () => {
  let t: TestApp;
  let smtp: SmtpPeer;
  let clock: ManualClock;

  beforeAll(async () => {
    smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
    clock = new ManualClock('2026-05-04T07:59:00Z');
    t = await createTestApp({ clock, config: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'Gatehouse <gh@test.local>' } } });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('reminds once, in the notification centre and by e-mail, when the daily job fires', async () => {
    const admin = await t.adminToken();
    const res = await t.inject({
      method: 'POST',
      url: '/api/users',
      token: admin,
      payload: { username: 'hana', password: 'Str0ng#Passw0rd', email: 'hana@example.test', roles: ['user'], mustChangePassword: false },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as number;
    const soon = new Date(clock.now().getTime() + 6 * DAY).toISOString();
    await t.gh.ctx.db.updateTable('identity_users').set({ password_expires_at: soon }).where('id', '=', id).execute();

    clock.advance(2 * 60_000); // 08:01, past the 08:00 schedule
    expect(await t.gh.ctx.scheduler.tick()).toBeGreaterThan(0);
    await t.gh.ctx.jobs.drain();

    const notes = await t.gh.ctx.db.selectFrom('notify_notifications').selectAll().where('user_id', '=', id).execute();
    expect(notes.map((n) => n.kind)).toEqual(['identity.password-expiring']);
    const mail = await smtp.next(5000);
    expect(mail.to).toEqual(['hana@example.test']);
    expect(mail.subject).toContain('password expires soon');
    expect(mail.text).toContain(soon.slice(0, 10));

    // The next day's run does not remind again for the same password.
    clock.advance(DAY);
    await t.gh.ctx.scheduler.tick();
    await t.gh.ctx.jobs.drain();
    const again = await t.gh.ctx.db.selectFrom('notify_notifications').selectAll().where('user_id', '=', id).execute();
    expect(again).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
  });
});
