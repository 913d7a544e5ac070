import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from '../../server/test/test-app.js';
import { createTelegramSim, type TelegramSim } from '../../tools/telegram-sim/index.js';

/**
 * The approval screens in a real browser, against the real server and database: an approver (a
 * plain user granted approvals.view on the project) finds a pipeline's request in their inbox,
 * opens it, approves it with a comment, and the page and the API both say approved. Rejecting needs
 * a reason (the button stays disabled until one is typed; the API refuses one without). The
 * administrator creates a policy with the levels editor and a webhook channel with a write-only
 * secret on the notification page, and sends it a test message. On the profile page the approver
 * links a Telegram account (the in-repo Bot API emulator) with the code the page shows, and unlinks it.
 */

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI)
  console.warn('\n  SKIPPED: approvals browser tests, Chromium not installed (apt-get install -y chromium)\n');
const suite = hasChromium || process.env.CI ? describeDb : describe.skip;

const APPROVER = { username: 'e2e.approver', password: 'Appr#E2e-Pass-2024' };
const PROJECT = 'shop';

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/** Build web/dist when it is missing or older than its sources (serialised with the other browser tests). */
function ensureWebBuilt(): void {
  const index = join(root, 'web', 'dist', 'index.html');
  const sources = Math.max(newest(join(root, 'web', 'src')), statSync(join(root, 'web', 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const build = 'npx vite build --config web/vite.config.ts --logLevel warn';
  const fresh = 'test -f web/dist/index.html && [ -z "$(find web/src web/index.html -newer web/dist/index.html | head -n 1)" ]';
  const hasFlock = existsSync('/usr/bin/flock') || existsSync('/bin/flock');
  if (hasFlock)
    execFileSync('flock', ['/tmp/gatehouse-web-build.lock', 'sh', '-c', `${fresh} || ${build}`], { cwd: root, stdio: 'inherit' });
  else execFileSync('sh', ['-c', build], { cwd: root, stdio: 'inherit' });
}

suite('Approval screens in a browser', () => {
  let t: TestApp;
  let sim: TelegramSim;
  let browser: Browser;
  let base: string;
  let pump: ReturnType<typeof setInterval> | undefined;
  let draining = false;
  let approverToken = '';
  let approverId = 0;

  type Res = { status: number; body: Record<string, any>; text: string };
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: object): Promise<Res> => {
    const res = await t.inject({ method, url, token, ...(payload ? { payload } : {}) });
    let body: Record<string, any> = {};
    try {
      body = res.json() as Record<string, any>;
    } catch {
      body = {};
    }
    return { status: res.statusCode, body, text: res.body };
  };
  const admin = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    call(method, url, await t.adminToken(), payload);

  /** A pipeline asks for approval, as the seed's Jenkinsfile does (here with the admin's token). */
  async function requestApproval(build: number, version: string): Promise<number> {
    const q = new URLSearchParams({
      project: PROJECT,
      env: 'prod',
      build: String(build),
      job: 'shop/deploy',
      version,
      desc: `release ${version}`,
    });
    const res = await admin('GET', `/api/stage/approval/wait?${q}`);
    expect([200, 201, 202], res.text).toContain(res.status);
    expect(res.body.status).toBe('pending');
    return Number(res.body.approval_id ?? res.body.approvalId);
  }

  async function signIn(username: string, password: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(base + '/login');
    await page.getByTestId('login-username').locator('input').fill(username);
    await page.getByTestId('login-password').locator('input').fill(password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(base + '/');
    return page;
  }

  const shot = (page: Page, name: string) =>
    process.env.GATEHOUSE_SCREENSHOTS
      ? page.screenshot({ path: `/tmp/gatehouse-approvals-${name}.png`, fullPage: true })
      : Promise.resolve();

  async function dismissNotices(page: Page) {
    for (let i = 0; i < 20 && (await page.locator('.v-snackbar__content').isVisible()); i++) {
      await page
        .locator('.v-snackbar__actions button')
        .click()
        .catch(() => undefined);
      await page.waitForTimeout(300);
    }
  }

  beforeAll(async () => {
    ensureWebBuilt();
    sim = await createTelegramSim({ port: 0 });
    t = await createTestApp({ config: { telegram: { token: sim.token, apiRoot: sim.url } } });
    await t.gh.modules.approvals.telegram.start();
    await t.gh.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.gh.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    // The test app runs no background loop: follow-ups and deliveries are jobs, drained here.
    pump = setInterval(() => {
      if (draining) return;
      draining = true;
      void t.gh.ctx.jobs
        .drain()
        .catch(() => undefined)
        .finally(() => (draining = false));
    }, 200);

    const user = await admin('POST', '/api/users', { ...APPROVER, roles: ['user'], mustChangePassword: false });
    expect(user.status, user.text).toBe(201);
    approverId = user.body.id as number;
    const grant = await admin('POST', '/api/access/grants', {
      subjectType: 'user',
      subjectId: approverId,
      permission: 'approvals.view',
      project: PROJECT,
    });
    expect(grant.status, grant.text).toBe(201);
    approverToken = await t.login(APPROVER.username, APPROVER.password);

    const policy = await admin('POST', '/api/approval-policies', {
      name: 'shop-prod',
      project: PROJECT,
      environment: 'prod',
      levels: [{ approvers: { users: [APPROVER.username] }, mode: 'any' }],
      timeoutMinutes: 30,
    });
    expect(policy.status, policy.text).toBe(201);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
  }, 240_000);

  afterAll(async () => {
    clearInterval(pump);
    await browser?.close();
    while (draining) await new Promise((r) => setTimeout(r, 50));
    await t?.gh.modules.approvals.telegram.stop();
    await t?.close();
    await sim?.close();
  });

  it('approves a request from the inbox: the page and the API say approved', async () => {
    const id = await requestApproval(7, '1.2.3');
    const page = await signIn(APPROVER.username, APPROVER.password);
    // The approver sees the menu entry (approvals.view on the project) but not the administration pages.
    await expect.poll(() => page.getByTestId('nav-approvals').isVisible()).toBe(true);
    expect(await page.getByTestId('nav-approval-policies').count()).toBe(0);
    expect(await page.getByTestId('nav-notify-admin').count()).toBe(0);
    await page.getByTestId('nav-approvals').click();
    await page.waitForURL('**/approvals');
    // "Waiting for me" is the default tab; a prod request is marked urgent.
    await expect.poll(() => page.getByTestId(`approval-row-${id}`).isVisible()).toBe(true);
    expect(await page.getByTestId(`approval-status-${id}`).getAttribute('data-status')).toBe('pending');
    const listed = await call('GET', `/api/approvals/${id}`, approverToken);
    expect(await page.getByTestId(`approval-urgent-${id}`).count()).toBe(listed.body.urgent ? 1 : 0);
    await shot(page, 'inbox');

    await page.getByTestId(`approval-row-${id}`).click();
    await page.waitForURL(`**/approvals/${id}`);
    await expect.poll(() => page.getByTestId('fact-project').textContent()).toContain(PROJECT);
    expect(await page.getByTestId('fact-version').textContent()).toContain('1.2.3');
    expect(await page.getByTestId('fact-job').textContent()).toContain('shop/deploy');
    expect(await page.getByTestId('fact-description').textContent()).toContain('release 1.2.3');
    expect(await page.getByTestId('fact-requester').textContent()).toContain('admin');
    expect(await page.getByTestId(`approver-0-${APPROVER.username}`).getAttribute('data-decision')).toBe('none');
    await expect.poll(() => page.getByTestId('history-0').getAttribute('data-action')).toBe('requested');
    await shot(page, 'detail-pending');

    await page.getByTestId('approval-approve').click();
    await page.getByTestId('decision-text').locator('textarea').first().fill('ship it');
    await page.getByTestId('decision-submit').click();
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status')).toBe('approved');
    expect(await page.getByTestId('approval-status').textContent()).toContain('Approved');
    await expect.poll(() => page.getByTestId(`approver-0-${APPROVER.username}`).getAttribute('data-decision')).toBe('approve');
    // Nothing left to decide: the buttons are gone.
    expect(await page.getByTestId('approval-approve').count()).toBe(0);
    await shot(page, 'detail-approved');

    const stored = await call('GET', `/api/approvals/${id}`, approverToken);
    expect(stored.body.status).toBe('approved');
    expect(stored.body.decidedBy).toMatchObject({ id: approverId, username: APPROVER.username });
    const vote = stored.body.levels[0].approvers.find((a: { id: number }) => a.id === approverId);
    expect(vote).toMatchObject({ decision: 'approve', comment: 'ship it', via: 'web' });
    // A second decision is refused, naming who decided.
    const again = await call('POST', `/api/approve/${id}`, approverToken, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(`already decided by ${APPROVER.username}`);
    // The seed's log page answers for the request (no Jenkins here: it says why instead of a log).
    await page.getByTestId('approval-open-log').click();
    await page.waitForURL(`**/logs/${id}`);
    await expect.poll(() => page.getByTestId('log-viewer').isVisible()).toBe(true);
    const log = await call('GET', `/api/approvals/${id}/log`, approverToken);
    if (log.status === 200) await expect.poll(() => page.getByTestId('build-log').textContent()).toContain(log.text.split('\n')[0]);
    else await expect.poll(() => page.getByTestId('approval-log-error').textContent()).toContain(log.body.error.message);
    await page.getByTestId('nav-approvals').click();
    await page.waitForURL('**/approvals');
    // The inbox no longer lists it as waiting for me; the Approved tab does.
    await page.waitForURL('**/approvals');
    await expect.poll(() => page.getByTestId(`approval-row-${id}`).count()).toBe(0);
    await page.getByTestId('approvals-tab-approved').click();
    await expect.poll(() => page.getByTestId(`approval-status-${id}`).getAttribute('data-status')).toBe('approved');
    await page.context().close();
  });

  it('rejecting needs a reason: the button stays disabled until one is typed', async () => {
    const id = await requestApproval(8, '1.2.4');
    // The API refuses a rejection without a reason.
    const bare = await call('POST', `/api/reject/${id}`, approverToken, {});
    expect(bare.status, bare.text).toBe(400);
    expect(bare.body.error.code).toBe('APPROVALS_REASON_REQUIRED');

    const page = await signIn(APPROVER.username, APPROVER.password);
    await page.goto(`${base}/approvals/${id}`);
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status')).toBe('pending');
    await page.getByTestId('approval-reject').click();
    const submit = page.getByTestId('decision-submit');
    await expect.poll(() => submit.isDisabled()).toBe(true);
    const reason = page.getByTestId('decision-text').locator('textarea').first();
    await reason.fill('   ');
    expect(await submit.isDisabled()).toBe(true);
    await reason.fill('smoke tests failed on staging');
    await expect.poll(() => submit.isDisabled()).toBe(false);
    await shot(page, 'reject-dialog');
    await submit.click();
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status')).toBe('rejected');
    expect(await page.getByTestId('approval-reason').textContent()).toContain('smoke tests failed on staging');
    const stored = await call('GET', `/api/approvals/${id}`, approverToken);
    expect(stored.body).toMatchObject({ status: 'rejected', reason: 'smoke tests failed on staging' });
    await page.context().close();
  });

  it('the policies and notification pages render and save', async () => {
    const page = await signIn('admin', ADMIN_PASSWORD);
    await expect.poll(() => page.getByTestId('nav-approval-policies').isVisible()).toBe(true);
    await page.getByTestId('nav-approval-policies').click();
    await page.waitForURL('**/approvals/policies');
    await expect.poll(() => page.getByTestId('policy-row-shop-prod').isVisible()).toBe(true);

    // A two-level policy: any one super-admin, then 1 of the approver user's quorum.
    await page.getByTestId('policies-create').click();
    await page.waitForURL('**/approvals/policies/new');
    await page.getByTestId('policy-name').locator('input').fill('web-staging');
    await page.getByTestId('policy-project').locator('input').fill('web');
    await page.getByTestId('policy-environment').locator('input').fill('staging');
    await page.getByTestId('level-0-roles').locator('input').first().click();
    await page.getByRole('option', { name: 'super-admin' }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('level-add').click();
    await page.getByTestId('level-1-users').locator('input').first().fill('e2e.appr');
    await page.getByRole('option', { name: new RegExp(APPROVER.username.replace('.', '\\.')) }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('level-1-mode').click();
    await page.getByRole('option', { name: 'N of them' }).click();
    await page.getByTestId('level-1-quorum').locator('input').fill('1');
    await page.getByTestId('policy-timeout').locator('input').fill('45');
    await shot(page, 'policy-edit');
    await dismissNotices(page);
    await page.getByTestId('policy-save').click();
    await page.waitForURL('**/approvals/policies');
    await expect.poll(() => page.getByTestId('policy-row-web-staging').isVisible()).toBe(true);
    const policies = await admin('GET', '/api/approval-policies');
    const saved = (policies.body.items as Array<Record<string, any>>).find((p) => p.name === 'web-staging');
    expect(saved).toMatchObject({ project: 'web', environment: 'staging', timeoutMinutes: 45, allowSelfApproval: false });
    expect(saved!.levels).toHaveLength(2);
    expect(saved!.levels[0]).toMatchObject({ approvers: { roles: ['super-admin'] }, mode: 'any' });
    expect(saved!.levels[1]).toMatchObject({ approvers: { users: [APPROVER.username] }, mode: { quorum: 1 } });

    // The seed's users.json and app.json: the dialog shows the server's per-item report.
    await dismissNotices(page);
    await page.getByTestId('policies-import').click();
    const users = { [APPROVER.username]: { role: 'ops-lead', projects: ['billing'] } };
    const app = { projects: { billing: { aliases: ['bill'], approvers: [APPROVER.username], mode: 'any' } } };
    await page.getByTestId('import-users-text').locator('textarea').first().fill(JSON.stringify(users));
    await page.getByTestId('import-app-text').locator('textarea').first().fill(JSON.stringify(app));
    await page.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('import-summary').textContent()).toMatch(/[1-9]\d* created/);
    expect(await page.getByTestId('import-report').first().textContent()).toContain('import:billing');
    await shot(page, 'policy-import');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('policy-row-import:billing').isVisible()).toBe(true);

    // A plain JSON webhook with a signing secret: the secret is write-only, the list says it is set.
    await page.getByTestId('nav-notify-admin').click();
    await page.waitForURL('**/admin/notify');
    await page.getByTestId('channel-create').click();
    await page.getByTestId('channel-name').locator('input').fill('e2e-hook');
    await page.getByTestId('channel-url').locator('input').fill('http://127.0.0.1:9/hook');
    await page.getByTestId('channel-secret').locator('input').fill('e2e-s3cret-value');
    await shot(page, 'channel-edit');
    await page.getByTestId('channel-save').click();
    await expect.poll(() => page.getByTestId('channel-row-e2e-hook').isVisible()).toBe(true);
    const channels = await admin('GET', '/api/notify/channels');
    expect(channels.text).not.toContain('e2e-s3cret-value');
    const hook = (channels.body.items as Array<Record<string, any>>).find((c) => c.name === 'e2e-hook');
    expect(hook).toMatchObject({ type: 'webhook', hasSecret: true, enabled: true });
    expect(await page.getByTestId(`channel-secret-${hook!.id}`).isVisible()).toBe(true);
    await dismissNotices(page);

    // Edit keeps the secret unless a new one is typed; the form shows it as set.
    await page.getByTestId(`channel-edit-${hook!.id}`).click();
    await expect.poll(() => page.getByTestId('channel-secret-state').getAttribute('data-set')).toBe('true');
    await page.getByTestId('channel-project').locator('input').fill('shop');
    await page.getByTestId('channel-save').click();
    await expect.poll(async () => (await admin('GET', '/api/notify/channels')).body.items[0]?.project).toBe('shop');
    expect((await admin('GET', '/api/notify/channels')).body.items[0].hasSecret).toBe(true);
    await dismissNotices(page);

    // The test message becomes a delivery in the log.
    await page.getByTestId(`channel-test-${hook!.id}`).click();
    await page.getByTestId('notify-tab-deliveries').click();
    await expect
      .poll(async () => (await admin('GET', `/api/notify/deliveries?channelId=${hook!.id}`)).body.total, { timeout: 20_000 })
      .toBeGreaterThan(0);
    await page.getByTestId('deliveries-refresh').click();
    const delivery = (await admin('GET', `/api/notify/deliveries?channelId=${hook!.id}`)).body.items[0];
    await expect.poll(() => page.getByTestId(`delivery-status-${delivery.id}`).isVisible()).toBe(true);
    await shot(page, 'deliveries');
    await page.context().close();
  });

  it('links a Telegram account with the code from the profile page, and unlinks it', async () => {
    const page = await signIn(APPROVER.username, APPROVER.password);
    await page.goto(`${base}/profile`);
    const card = page.getByTestId('profile-telegram');
    await expect.poll(() => card.getAttribute('data-linked')).toBe('false');
    await page.getByTestId('telegram-link-code').click();
    const command = (await page.getByTestId('telegram-command').textContent())?.trim() ?? '';
    expect(command).toMatch(/^\/link \S+$/);
    expect(await page.getByTestId('telegram-code-expiry').textContent()).toMatch(/until/);
    await shot(page, 'telegram-code');
    // The user sends the command to the bot; the card notices the link by itself.
    sim.sendUserMessage({ from: { id: 4242, username: 'approver_tg', first_name: 'Approver' }, text: command });
    await expect.poll(() => card.getAttribute('data-linked'), { timeout: 20_000 }).toBe('true');
    expect(await page.getByTestId('telegram-linked').textContent()).toContain('@approver_tg');
    expect((await call('GET', '/api/me/telegram', approverToken)).body).toMatchObject({ linked: true, telegramUsername: 'approver_tg' });
    await page.getByTestId('telegram-unlink').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => card.getAttribute('data-linked')).toBe('false');
    expect((await call('GET', '/api/me/telegram', approverToken)).body.linked).toBe(false);
    await page.context().close();
  });

  it('a decision someone else made first is refused with the server’s message', async () => {
    // Either of two approvers may decide; the other one answers while the approver is still typing.
    const other = { username: 'e2e.other', password: 'Other#E2e-Pass-2024' };
    const made = await admin('POST', '/api/users', { ...other, roles: ['user'], mustChangePassword: false });
    expect(made.status, made.text).toBe(201);
    const otherToken = await t.login(other.username, other.password);
    const policy = await admin('POST', '/api/approval-policies', {
      name: 'shop-canary',
      project: PROJECT,
      environment: 'canary',
      levels: [{ approvers: { users: [APPROVER.username, other.username] }, mode: 'any' }],
      timeoutMinutes: 30,
    });
    expect(policy.status, policy.text).toBe(201);
    const q = new URLSearchParams({ project: PROJECT, env: 'canary', build: '9', job: 'shop/deploy', version: '1.3.0' });
    const created = await admin('GET', `/api/stage/approval/wait?${q}`);
    const id = Number(created.body.approval_id);
    const page = await signIn(APPROVER.username, APPROVER.password);
    await page.goto(`${base}/approvals/${id}`);
    await page.getByTestId('approval-approve').click();
    await page.getByTestId('decision-text').locator('textarea').first().fill('looks fine');
    const first = await call('POST', `/api/approve/${id}`, otherToken, { comment: 'already on it' });
    expect(first.status, first.text).toBe(200);
    // The page hears of it over the approvals topic (its fallback poll is 30 s away).
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('approved');
    await page.getByTestId('decision-submit').click();
    await expect.poll(() => page.getByTestId('decision-error').textContent()).toContain('already decided by e2e.other');
    await page.getByTestId('decision-cancel').click();
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status')).toBe('approved');
    expect(await page.getByTestId('approval-error').textContent()).toContain('already decided by e2e.other');
    expect(await page.getByTestId('approval-approve').count()).toBe(0);
    await page.context().close();
  });

  it('changes my decision while the level still waits for others', async () => {
    // All of two approvers must agree: after my approval the request still waits, so I may change my mind.
    const made = await admin('POST', '/api/users', {
      username: 'e2e.third',
      password: 'Third#E2e-Pass-2024',
      roles: ['user'],
      mustChangePassword: false,
    });
    expect(made.status, made.text).toBe(201);
    const policy = await admin('POST', '/api/approval-policies', {
      name: 'shop-qa',
      project: PROJECT,
      environment: 'qa',
      levels: [{ approvers: { users: [APPROVER.username, 'e2e.third'] }, mode: 'all' }],
      timeoutMinutes: 30,
    });
    expect(policy.status, policy.text).toBe(201);
    const q = new URLSearchParams({ project: PROJECT, env: 'qa', build: '10', job: 'shop/deploy', version: '1.4.0' });
    const id = Number((await admin('GET', `/api/stage/approval/wait?${q}`)).body.approval_id);
    const page = await signIn(APPROVER.username, APPROVER.password);
    await page.goto(`${base}/approvals/${id}`);
    await page.getByTestId('approval-approve').click();
    await page.getByTestId('decision-submit').click();
    await expect.poll(() => page.getByTestId(`approver-0-${APPROVER.username}`).getAttribute('data-decision')).toBe('approve');
    expect(await page.getByTestId('approval-status').getAttribute('data-status')).toBe('pending');
    await page.getByTestId('approval-change').click();
    await page.getByTestId('approval-reject').click();
    await page.getByTestId('decision-text').locator('textarea').first().fill('found a bug after all');
    await page.getByTestId('decision-submit').click();
    await expect.poll(() => page.getByTestId('approval-status').getAttribute('data-status')).toBe('rejected');
    const stored = await call('GET', `/api/approvals/${id}`, approverToken);
    expect(stored.body).toMatchObject({ status: 'rejected', reason: 'found a bug after all' });
    expect((stored.body.history as Array<{ action: string }>).map((h) => h.action)).toContain('changed');
    await page.context().close();
  });
});
