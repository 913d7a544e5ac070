import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../src/core/clock.js';
import { sendPasswordReminders } from '../src/modules/identity/index.js';
import { startSmtpPeer, type SmtpPeer } from './notify-smtp-peer.js';
import { createTestApp, describeDb, type TestApp } from './test-app.js';
import { TEST_DIALECT } from './test-db.js';
import { createUser, DAY, MINUTE, PW, userRow } from './identity-auth-helpers.js';

/** A subject as the reader sees it: RFC 2047 encoded words (=?UTF-8?Q?…?= or ?B?) decoded. */
function decodeSubject(subject: string): string {
  return subject.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/** Poll (mail arrives over a real socket) for up to 5 s. */
async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(ok()).toBe(true);
}

/** Seed 004: a reminder 7 days before a password expires, in the notification centre and by e-mail, once per password. */
describeDb(`password-expiry reminders (${TEST_DIALECT})`, () => {
  let t: TestApp;
  let smtp: SmtpPeer;
  let clock: ManualClock;
  let admin: string;
  const ids: Record<string, number> = {};

  const notesOf = (userId: number) =>
    t.gh.ctx.db.selectFrom('notify_notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  /** Make a user's password expire `days` from now (as if it had been set 180 - days ago). */
  const expireIn = (username: string, days: number) =>
    t.gh.ctx.db
      .updateTable('identity_users')
      .set({ password_expires_at: new Date(clock.now().getTime() + days * DAY).toISOString() })
      .where('username', '=', username)
      .execute();
  const runDaily = async () => {
    await t.gh.ctx.scheduler.tick();
    await t.gh.ctx.jobs.drain();
  };

  beforeAll(async () => {
    smtp = await startSmtpPeer({ disabledCommands: ['STARTTLS'] });
    clock = new ManualClock('2031-10-06T07:58:00Z');
    t = await createTestApp({ clock, config: { smtp: { host: '127.0.0.1', port: smtp.port, from: 'Gatehouse <gh@test.local>' } } });
    admin = await t.adminToken();
    ids.hana = await createUser(t, admin, 'hana', { email: 'hana@example.test' });
    ids.ivo = await createUser(t, admin, 'ivo');
    ids.jan = await createUser(t, admin, 'jan', { email: 'jan@example.test' });
    ids.kim = await createUser(t, admin, 'kim', { email: 'kim@example.test' });
    ids.lea = await createUser(t, admin, 'lea', { email: 'lea@example.test' });
    ids.mei = await createUser(t, admin, 'mei', { email: 'mei@example.test' });
    const patched = await t.inject({ method: 'PATCH', url: `/api/users/${ids.mei}`, token: admin, payload: { locale: 'zh-CN' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await t.inject({ method: 'POST', url: `/api/users/${ids.kim}/disable`, token: admin })).statusCode).toBe(200);
    await expireIn('hana', 6); // inside the 7 days, with e-mail
    await expireIn('ivo', 5); // inside, no e-mail: notification only
    await expireIn('jan', 8); // not yet
    await expireIn('kim', 3); // disabled: nobody to remind
    await expireIn('lea', -1); // already expired: the forced change at sign-in takes over
    await expireIn('mei', 2); // inside, Chinese
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('does nothing before 08:00', async () => {
    await runDaily();
    for (const id of Object.values(ids)) expect(await notesOf(id)).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });

  it('at 08:00 reminds exactly those whose password expires within 7 days: a notification and an e-mail each', async () => {
    clock.advance(3 * MINUTE);
    await runDaily();

    const hana = await notesOf(ids.hana);
    expect(hana).toHaveLength(1);
    const day = (await userRow(t, 'hana')).password_expires_at.slice(0, 10);
    expect(hana[0]).toMatchObject({ kind: 'identity.password-expiring', title: 'Your password expires soon', link: '/profile' });
    expect(hana[0].body).toContain(day);
    expect(await notesOf(ids.ivo)).toHaveLength(1);
    expect(await notesOf(ids.mei)).toHaveLength(1);
    expect((await notesOf(ids.mei))[0].title).toBe('密码即将过期');
    for (const name of ['jan', 'kim', 'lea']) expect(await notesOf(ids[name]), name).toEqual([]);

    const mails = [await smtp.next(5000), await smtp.next(5000)].sort((a, b) => a.to[0].localeCompare(b.to[0]));
    expect(mails.map((m) => m.to)).toEqual([['hana@example.test'], ['mei@example.test']]);
    expect(mails[0]).toMatchObject({ from: 'gh@test.local', subject: 'Gatehouse: Your password expires soon' });
    expect(mails[0].text).toContain(day);
    expect(decodeSubject(mails[1].subject)).toBe('Gatehouse: 密码即将过期');
    expect(mails[1].text).toContain('过期');
    expect((await userRow(t, 'hana')).password_reminded_at).toBe(clock.now().toISOString());
    expect((await userRow(t, 'jan')).password_reminded_at).toBeNull();

    // The user sees it in the notification centre.
    const hanaToken = await t.login('hana', PW);
    const list = await t.inject({ method: 'GET', url: '/api/notifications?page=1&pageSize=20', token: hanaToken });
    expect(list.json()).toMatchObject({ total: 1, unread: 1, items: [{ title: 'Your password expires soon' }] });
  });

  it('does not remind twice for the same password on the following days', async () => {
    for (let d = 0; d < 3; d++) {
      clock.advance(DAY);
      await runDaily();
    }
    expect(await notesOf(ids.hana)).toHaveLength(1);
    expect(await notesOf(ids.ivo)).toHaveLength(1);
    // jan's expiry (8 days out at the start) came inside the 7 days on the next day: one reminder.
    expect(await notesOf(ids.jan)).toHaveLength(1);
    expect(await sendPasswordReminders(t.gh.ctx, t.gh.modules.notify.service)).toBe(0);
    await t.gh.ctx.jobs.drain();
    await waitFor(() => smtp.mails.length >= 3);
    expect(smtp.mails.map((m) => m.to[0]).sort()).toEqual(['hana@example.test', 'jan@example.test', 'mei@example.test']);
  });

  it('reminds again for the next password, 7 days before it expires', async () => {
    const token = await t.login('hana', PW);
    const changed = await t.inject({
      method: 'POST',
      url: '/api/auth/password',
      token,
      payload: { currentPassword: PW, newPassword: 'N3w#Passw0rd!' },
    });
    expect(changed.statusCode).toBe(200);
    const row = await userRow(t, 'hana');
    expect(row.password_reminded_at).toBeNull();
    expect(await sendPasswordReminders(t.gh.ctx, t.gh.modules.notify.service)).toBe(0);

    clock.set(new Date(Date.parse(row.password_expires_at) - 6 * DAY));
    expect(await sendPasswordReminders(t.gh.ctx, t.gh.modules.notify.service)).toBeGreaterThanOrEqual(1);
    expect(await notesOf(ids.hana)).toHaveLength(2);
    expect(await sendPasswordReminders(t.gh.ctx, t.gh.modules.notify.service)).toBe(0);
    expect(await notesOf(ids.hana)).toHaveLength(2);
    await t.gh.ctx.jobs.drain();
    await waitFor(() => smtp.mails.filter((m) => m.to[0] === 'hana@example.test').length === 2);
    const second = smtp.mails.filter((m) => m.to[0] === 'hana@example.test')[1];
    expect(second.text).toContain(row.password_expires_at.slice(0, 10));
  });
});
