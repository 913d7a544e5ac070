import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.js';
import { createTestApp, describeDb, type TestApp } from '../../server/test/test-app.js';
import { totp } from './totp.js';

/**
 * The web shell in a real browser against the real server and database: first sign-in of the
 * bootstrap admin (generated password) → forced password change → MFA enrolment → sign out → sign in
 * with password and code → create a user → find the event on the audit page.
 */

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(
    '\n**********************************************************************\n' +
      '  SKIPPED: browser tests, Chromium not installed (apt-get install -y chromium)\n' +
      '**********************************************************************\n',
  );
}
// In CI a missing browser is a failure (chromium.launch throws), never a silent skip.
const suite = hasChromium || process.env.CI ? describeDb : describe.skip;

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

/** Build web/dist when it is missing or older than its sources (one build at a time across test runs). */
function ensureWebBuilt(): void {
  const index = join(root, 'web', 'dist', 'index.html');
  const sources = Math.max(
    newest(join(root, 'web', 'src')),
    statSync(join(root, 'web', 'index.html')).mtimeMs,
    statSync(join(root, 'web', 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const build = ['npx', 'vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'];
  const lock = '/tmp/gatehouse-web-build.lock';
  // flock serialises the SQLite and PostgreSQL runs when they start together; fall back to a plain build.
  const hasFlock = existsSync('/usr/bin/flock') || existsSync('/bin/flock');
  if (hasFlock)
    execFileSync('flock', [lock, 'sh', '-c', `test -f web/dist/index.html -a web/dist/index.html -nt web/src || ${build.join(' ')}`], {
      cwd: root,
      stdio: 'inherit',
    });
  else execFileSync(build[0], build.slice(1), { cwd: root, stdio: 'inherit' });
}

suite('web shell in a browser', () => {
  let t: TestApp;
  let clock: ManualClock;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let generatedPassword: string;
  let mfaSecret = '';
  const newPassword = 'Shell#Admin-2024';

  beforeAll(async () => {
    ensureWebBuilt();
    clock = new ManualClock(new Date());
    // MFA is enforced here, so the first sign-in walks through the password change and then MFA enrolment.
    t = await createTestApp({ clock, adminPassword: null, config: { security: { mfaEnforced: true } } });
    generatedPassword = t.generatedAdminPassword!;
    expect(generatedPassword).toBeTruthy();
    await t.gh.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.gh.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const input = (testid: string) => page.getByTestId(testid).locator('input').first();
  const shot = (name: string) =>
    process.env.GATEHOUSE_SCREENSHOTS ? page.screenshot({ path: `/tmp/gatehouse-${name}.png`, fullPage: true }) : Promise.resolve();

  async function signIn(password: string) {
    await input('login-username').fill('admin');
    await input('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  }

  it('serves the app and sends a signed-out visitor to the login page', async () => {
    await page.goto(base + '/users');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await expect.poll(() => page.getByTestId('login-form').isVisible()).toBe(true);
    expect(await page.title()).toContain('Gatehouse');
  });

  it('refuses a wrong password on the page', async () => {
    await signIn('Wrong#Pass123');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Wrong username or password');
  });

  it('forces the bootstrap admin to change the generated password', async () => {
    await signIn(generatedPassword);
    await page.waitForURL('**/password-change');
    await shot('password-change');
    await input('password-current').fill(generatedPassword);
    await input('password-new').fill(newPassword);
    await input('password-confirm').fill(newPassword);
    await page.getByTestId('password-submit').click();
    await page.waitForURL('**/mfa-enroll');
  });

  it('enrols MFA with the secret shown on the page and shows recovery codes once', async () => {
    const secretEl = page.getByTestId('mfa-secret');
    await expect.poll(async () => ((await secretEl.textContent()) ?? '').trim()).toMatch(/^[A-Z2-7]{16,}$/);
    mfaSecret = ((await secretEl.textContent()) ?? '').trim();
    await expect.poll(() => page.getByTestId('mfa-qr').locator('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await shot('mfa-enroll');
    await input('mfa-code').fill(totp(mfaSecret, clock.now()));
    await page.getByTestId('mfa-verify').click();
    const codes = page.getByTestId('recovery-codes');
    await expect.poll(async () => ((await codes.textContent()) ?? '').trim().length).toBeGreaterThan(10);
    await page.getByTestId('mfa-done').click();
    await page.waitForURL(base + '/');
    await expect.poll(() => page.getByTestId('home').isVisible()).toBe(true);
  });

  it('shows the admin every menu entry', async () => {
    for (const id of ['nav-home', 'nav-users', 'nav-groups', 'nav-roles', 'nav-grants', 'nav-templates', 'nav-audit', 'nav-profile']) {
      await expect.poll(() => page.getByTestId(id).isVisible(), { message: id }).toBe(true);
    }
    await shot('home');
  });

  it('signs out, then signs in again with the password and an authenticator code', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login');
    await signIn(newPassword);
    await expect.poll(() => page.getByTestId('login-otp-form').isVisible()).toBe(true);
    // The enrolment used this time step; a code is accepted once, so sign in with the next one.
    clock.advance(30_000);
    await input('login-otp').fill(totp(mfaSecret, clock.now()));
    await page.getByTestId('login-otp-submit').click();
    await page.waitForURL(base + '/');
    await expect.poll(() => page.getByTestId('current-user').textContent()).toMatch(/admin/i);
  });

  it('creates a user from the users page', async () => {
    await page.getByTestId('nav-users').click();
    await page.waitForURL('**/users');
    await page.getByTestId('users-create').click();
    await input('user-form-username').fill('e2e.alice');
    await input('user-form-display-name').fill('Alice From E2E');
    await input('user-form-email').fill('alice@example.test');
    await input('user-form-password').fill('Alice#Init-2024');
    await shot('user-form');
    await page.getByTestId('user-form-submit').click();
    await expect.poll(() => page.getByTestId('user-row-e2e.alice').isVisible()).toBe(true);
    // Earlier messages may still be queued in the snackbar; wait for this one.
    await expect.poll(() => page.getByTestId('snackbar').textContent(), { timeout: 15_000 }).toContain('User e2e.alice created');
    await shot('users');
  });

  it('finds the user-creation event on the audit page', async () => {
    await page.getByTestId('nav-audit').click();
    await page.waitForURL('**/audit');
    const row = page
      .getByTestId('audit-table')
      .locator('tbody tr', { hasText: /user\.create/ })
      .first();
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.textContent()).toContain('admin');
    await row.getByRole('button').last().click();
    await expect.poll(() => page.getByTestId('audit-details').first().textContent()).toContain('e2e.alice');
    await shot('audit');
  });

  it('switches to Chinese and dark mode, and remembers both after a reload', async () => {
    await page.getByTestId('locale-switch').click();
    await page.getByTestId('locale-zh-CN').click();
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.getByTestId('page-title').textContent()).toContain('审计日志');
    await page.reload();
    await expect.poll(() => page.getByTestId('page-title').textContent()).toContain('审计日志');
    expect(await page.locator('.v-theme--dark').count()).toBeGreaterThan(0);
    await shot('audit-zh-dark');
  });
});
