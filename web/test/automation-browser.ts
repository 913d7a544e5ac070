import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { SshHarness, sshHarnessAvailable, type HarnessHost } from '../../server/test/ssh-harness.js';
import { ADMIN_PASSWORD, createTestApp, describeDb, type TestApp } from '../../server/test/test-app.js';

/**
 * What the automation browser tests share: real sshd hosts (the SSH harness), the whole server on a
 * real port with a loop that drains the job queue (the test app runs none), Chromium signed in as
 * the administrator, and the frames the page receives over /api/ws.
 */

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** describeDb when Chromium and sshd can run here; else a skipped suite, with a loud banner (CI must run it). */
export function automationSuite(what: string): typeof describeDb | typeof describe.skip {
  const hasChromium = existsSync(CHROMIUM);
  if (!hasChromium && !process.env.CI) console.warn(`\n  SKIPPED: ${what}, Chromium not installed (apt-get install -y chromium)\n`);
  const sshd = sshHarnessAvailable(what);
  return (hasChromium || process.env.CI) && sshd ? describeDb : describe.skip;
}

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

export interface AutomationBrowser {
  h: SshHarness;
  hosts: HarnessHost[];
  t: TestApp;
  page: Page;
  base: string;
  /** Every WebSocket frame the page received, as text. */
  frames: string[];
  /** A file a test script waits for (`while [ ! -e $gate ]`); close() creates it so no run is left hanging. */
  gate(name: string): string;
  api(method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: Record<string, any>; text: string }>;
  input(testid: string): ReturnType<Page['locator']>;
  /** Close the snackbar's notices (they sit over the forms' save buttons), as a user would. */
  dismissNotices(): Promise<void>;
  shot(name: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startAutomationBrowser(hostCount: number): Promise<AutomationBrowser> {
  ensureWebBuilt();
  const h = await SshHarness.start();
  const hosts = await h.startHosts(hostCount);
  const t = await createTestApp();
  await t.gh.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.gh.app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  let draining = false;
  const pump = setInterval(() => {
    if (draining) return;
    draining = true;
    void t.gh.ctx.jobs
      .drain()
      .catch(() => undefined)
      .finally(() => (draining = false));
  }, 200);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
  const page = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  const gates: string[] = [];
  const input = (testid: string) => page.getByTestId(testid).locator('input').first();

  await page.goto(base + '/login');
  await input('login-username').fill('admin');
  await input('login-password').fill(ADMIN_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(base + '/');

  return {
    h,
    hosts,
    t,
    page,
    base,
    frames,
    input,
    gate(name) {
      const path = `${h.dir}/gate-${name}`;
      gates.push(path);
      return path;
    },
    async api(method, url, payload) {
      const res = await t.inject({ method, url, token: await t.adminToken(), ...(payload ? { payload } : {}) });
      return { status: res.statusCode, body: res.json() as Record<string, any>, text: res.body };
    },
    async dismissNotices() {
      for (let i = 0; i < 20 && (await page.locator('.v-snackbar__content').isVisible()); i++) {
        await page
          .locator('.v-snackbar__actions button')
          .click()
          .catch(() => undefined);
        await page.waitForTimeout(300);
      }
    },
    shot: (name) =>
      process.env.GATEHOUSE_SCREENSHOTS
        ? page.screenshot({ path: `/tmp/gatehouse-automation-${name}.png`, fullPage: true })
        : Promise.resolve(),
    async close() {
      for (const g of gates) writeFileSync(g, '');
      clearInterval(pump);
      await browser.close();
      while (draining) await new Promise((r) => setTimeout(r, 50));
      await t.close();
      await h.stop();
    },
  };
}
