import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJenkinsSim, type JenkinsSim } from '../../tools/jenkins-sim/index.js';
import { loadDemoFixture } from '../../tools/jenkins-sim/fixture.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from '../../server/test/test-app.js';

/**
 * The Jenkins screens in a real browser, against the real server, database and the in-repo Jenkins
 * emulator: a developer granted one branch (payments » main, may build) sees only that project and
 * branch, fills the generated parameter form, triggers, waits out the queue, lands on the build page
 * and watches the coloured log stream to "Finished: SUCCESS". Then the administrator syncs from the
 * admin page (a removed branch shows in the summary and its grant as an orphan, dropped there) and
 * grants the branches a glob selects on the branch-access page.
 */

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI)
  console.warn('\n  SKIPPED: Jenkins browser tests, Chromium not installed (apt-get install -y chromium)\n');
const suite = hasChromium || process.env.CI ? describeDb : describe.skip;

const DEV = { username: 'e2e.dev', password: 'Dev#E2e-Pass-2024' };

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
  // Checked again under the lock: another run may have built it meanwhile.
  const fresh = 'test -f web/dist/index.html && [ -z "$(find web/src web/index.html -newer web/dist/index.html | head -n 1)" ]';
  const hasFlock = existsSync('/usr/bin/flock') || existsSync('/bin/flock');
  if (hasFlock)
    execFileSync('flock', ['/tmp/gatehouse-web-build.lock', 'sh', '-c', `${fresh} || ${build}`], { cwd: root, stdio: 'inherit' });
  else execFileSync('sh', ['-c', build], { cwd: root, stdio: 'inherit' });
}

suite('Jenkins screens in a browser', () => {
  let sim: JenkinsSim;
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  let pump: ReturnType<typeof setInterval> | undefined;
  let draining = false;
  let devId = 0;
  const frames: string[] = [];

  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await t.inject({ method, url, token: await t.adminToken(), ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, text: res.body };
  };

  beforeAll(async () => {
    ensureWebBuilt();
    // Scripts run at their written speed (a few seconds), so the page watches the log grow live.
    sim = await createJenkinsSim({ port: 0, timeScale: 2, quietPeriodMs: 0 });
    loadDemoFixture(sim);
    t = await createTestApp({
      env: { JENKINS_URL: sim.url, JENKINS_USER: 'admin', JENKINS_TOKEN: 'admin-token' },
      config: { jenkins: { logPollMs: 100, syncIntervalMinutes: 0, rateLimitPerMinute: 10_000 } },
    });
    await t.gh.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.gh.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    // The test app runs no background loop: sync, then drain the queue until the sync has finished.
    const started = await api('POST', '/api/jenkins/sync');
    expect(started.status, started.text).toBe(202);
    let latest = started.body;
    for (let i = 0; i < 100 && latest.status === 'running'; i++) {
      await t.gh.ctx.jobs.drain();
      latest = (await api('GET', '/api/jenkins/sync/latest')).body;
      if (latest.status === 'running') await new Promise((r) => setTimeout(r, 100));
    }
    expect(latest.status, JSON.stringify(latest)).toBe('succeeded');
    // Queue tracking and anything else the page triggers are jobs too: keep draining in the background.
    pump = setInterval(() => {
      if (draining) return;
      draining = true;
      void t.gh.ctx.jobs
        .drain()
        .catch(() => undefined)
        .finally(() => (draining = false));
    }, 200);

    const user = await api('POST', '/api/users', {
      username: DEV.username,
      password: DEV.password,
      roles: ['user'],
      mustChangePassword: false,
    });
    expect(user.status, user.text).toBe(201);
    devId = user.body.id as number;
    const grant = await api('POST', '/api/grants', {
      userId: user.body.id,
      project: 'payments',
      branch: 'main',
      canView: true,
      canBuild: true,
    });
    expect(grant.status, grant.text).toBe(201);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // What the server pushes over /api/ws, to tell a live log from one read over REST.
    page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  }, 180_000);

  afterAll(async () => {
    clearInterval(pump);
    await browser?.close();
    while (draining) await new Promise((r) => setTimeout(r, 50));
    await t?.close();
    await sim?.close();
  });

  const input = (testid: string) => page.getByTestId(testid).locator('input').first();
  const shot = (name: string, on: Page = page) =>
    process.env.GATEHOUSE_SCREENSHOTS ? on.screenshot({ path: `/tmp/gatehouse-jenkins-${name}.png`, fullPage: true }) : Promise.resolve();

  it('signs the developer in and shows the Projects menu entry', async () => {
    await page.goto(base + '/login');
    await input('login-username').fill(DEV.username);
    await input('login-password').fill(DEV.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(base + '/');
    await expect.poll(() => page.getByTestId('nav-jenkins-projects').isVisible()).toBe(true);
    // Administration of Jenkins and branch access are not theirs.
    expect(await page.getByTestId('nav-jenkins-admin').count()).toBe(0);
    expect(await page.getByTestId('nav-jenkins-access').count()).toBe(0);
  });

  it('lists only the granted project, with one granted branch', async () => {
    await page.getByTestId('nav-jenkins-projects').click();
    await page.waitForURL('**/projects');
    const cards = page.locator('[data-testid^="project-card-"]');
    await expect.poll(() => cards.count()).toBe(1);
    const card = page.getByTestId('project-card-payments');
    expect(await card.getByTestId('project-name').textContent()).toContain('payments');
    expect(await card.getByTestId('project-branch-count').getAttribute('data-count')).toBe('1');
    expect(await card.getByTestId('project-branch-count').textContent()).toContain('1 branch');
    expect(await page.getByTestId('stale-banner').count()).toBe(0);
    await shot('projects');
  });

  it('opens the project and shows only the main branch', async () => {
    await page.getByTestId('project-card-payments').click();
    await page.waitForURL('**/projects/payments');
    await expect.poll(() => page.locator('[data-testid^="branch-row-"]').count()).toBe(1);
    expect(await page.getByTestId('branch-row-main').textContent()).toContain('main');
    await shot('branches');
  });

  it('builds main with a changed parameter and lands on the build page', async () => {
    await page.getByTestId('branch-build-main').click();
    await expect.poll(() => page.getByTestId('build-form').isVisible()).toBe(true);
    // The form is generated from the job's parameter definitions, defaults filled.
    const target = input('param-TARGET');
    expect(await target.inputValue()).toBe('staging');
    expect(await page.getByTestId('param-API_KEY').locator('input').getAttribute('type')).toBe('password');
    await target.fill('e2e-browser');
    await shot('build-form');
    await page.getByTestId('build-submit').click();
    await page.waitForURL(/\/projects\/payments\/branches\/main\/builds\/\d+$/, { timeout: 30_000 });
    await expect.poll(() => page.getByTestId('build-header').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('build-param-TARGET').textContent()).toContain('e2e-browser');
  });

  it('streams the coloured log to the end', async () => {
    const log = page.getByTestId('build-log');
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('Finished: SUCCESS');
    // The changed parameter reached the pipeline.
    expect(await log.textContent()).toContain('Deploying to e2e-browser');
    // ANSI colours arrive as spans with palette classes, never as raw escape codes.
    expect(await log.locator('span[class*="ansi-fg-"]').count()).toBeGreaterThan(0);
    expect(await log.textContent()).not.toContain('\u001b[');
    // It came live over the WebSocket, chunk by chunk, and ended with the result.
    const ours = frames.map((f) => JSON.parse(f) as { type?: string; topic?: string; result?: string });
    expect(ours.some((f) => f.type === 'log' && f.topic?.startsWith('build-log:payments/main/'))).toBe(true);
    expect(ours.find((f) => f.type === 'end')?.result).toBe('SUCCESS');
    await expect.poll(() => page.getByTestId('build-status').getAttribute('data-status'), { timeout: 20_000 }).toBe('SUCCESS');
    await shot('build');
  });

  it('downloads the whole log with the bearer token', async () => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-download').click()]);
    const path = await file.path();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('Deploying to e2e-browser');
    expect(text).toContain('Finished: SUCCESS');
    expect(file.suggestedFilename()).toMatch(/\.log$/);
  });

  it('finds text in the log and highlights the match', async () => {
    await input('log-search').fill('tests passed');
    await expect.poll(() => page.locator('[data-testid="build-log"] mark.gh-log-mark--active').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('log-match-count').textContent()).toMatch(/1 of \d+/);
  });

  it('switches the log to the dark palette in dark mode', async () => {
    const green = page.locator('[data-testid="build-log"] span.ansi-fg-2').first();
    const light = await green.evaluate((el) => getComputedStyle(el).color);
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.locator('.v-theme--dark').count()).toBeGreaterThan(0);
    await expect.poll(() => green.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(63, 185, 80)');
    expect(light).toBe('rgb(17, 99, 41)');
    await shot('build-dark');
  });

  describe('as the administrator', () => {
    let admin: Page;
    const field = (testid: string) => admin.getByTestId(testid).locator('input').first();

    beforeAll(async () => {
      admin = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } })).newPage();
      admin.setDefaultTimeout(15_000);
      await admin.goto(base + '/login');
      await field('login-username').fill('admin');
      await field('login-password').fill(ADMIN_PASSWORD);
      await admin.getByTestId('login-submit').click();
      await admin.waitForURL(base + '/');
    });

    it('syncs from the admin page, lists what went away and drops the orphan grant', async () => {
      // The developer holds a grant on a branch that Jenkins is about to lose.
      const g = await api('POST', '/api/grants', { userId: devId, project: 'shop-web', branch: 'develop', canView: true, canBuild: false });
      expect(g.status, g.text).toBe(201);
      sim.removeBranch('shop-web', 'develop');
      await admin.getByTestId('nav-jenkins-admin').click();
      await admin.waitForURL('**/jenkins/admin');
      await expect.poll(() => admin.getByTestId('servers-table').textContent()).toContain(sim.url);
      await expect.poll(() => admin.getByTestId('sync-status').getAttribute('data-status')).toBe('succeeded');
      await admin.getByTestId('sync-now').click();
      await expect.poll(() => admin.getByTestId('sync-summary').textContent(), { timeout: 30_000 }).toContain('shop-web » develop');
      expect(await admin.getByTestId('sync-status').getAttribute('data-status')).toBe('succeeded');
      const drop = admin.getByTestId(`orphan-drop-${g.body.id}`);
      await expect.poll(() => drop.isVisible()).toBe(true);
      await shot('admin', admin);
      await drop.click();
      await admin.getByTestId('confirm-ok').click();
      await expect.poll(() => drop.count()).toBe(0);
      const left = await api('GET', `/api/grants?userId=${devId}`);
      expect((left.body.items as Array<{ branch: string }>).map((x) => x.branch)).toEqual(['main']);
    });

    it('grants the branches a glob selects on the branch-access page, then lets them build', async () => {
      await admin.getByTestId('nav-jenkins-access').click();
      await admin.waitForURL('**/jenkins/access');
      await field('access-user').fill(DEV.username);
      await admin.getByRole('option', { name: new RegExp(DEV.username.replace('.', '\\.')) }).click();
      await expect.poll(() => admin.getByTestId('grant-row-payments/main').isVisible()).toBe(true);
      await field('tree-filter').fill('feature/*');
      await expect.poll(() => admin.getByTestId('tree-branch-shop-web/feature/login').isVisible()).toBe(true);
      expect(await admin.getByTestId('tree-branch-shop-web/main').count()).toBe(0);
      await admin.getByTestId('tree-select-all-shop-web').locator('input').click();
      await admin.getByTestId('access-add').click();
      const row = admin.getByTestId('grant-row-shop-web/feature/login');
      await expect.poll(() => row.isVisible()).toBe(true);
      await shot('access', admin);
      const grants = async () =>
        (await api('GET', `/api/grants?userId=${devId}`)).body.items as Array<{ project: string; branch: string; canBuild: boolean }>;
      expect((await grants()).find((x) => x.project === 'shop-web')).toMatchObject({ branch: 'feature/login', canBuild: false });
      await admin.getByTestId('grant-build-shop-web/feature/login').locator('input').click();
      await expect.poll(async () => (await grants()).find((x) => x.project === 'shop-web')?.canBuild).toBe(true);
    });
  });
});
