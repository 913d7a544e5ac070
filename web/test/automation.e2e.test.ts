import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { automationSuite, startAutomationBrowser, type AutomationBrowser } from './automation-browser.js';

/**
 * The automation screens in a real browser, against the real server and database and two real
 * sshd hosts: the administrator writes a script in the CodeMirror editor, adds both hosts as
 * targets with an uploaded private key, checks one (reachable), creates a task on both with a
 * parameter, runs it and reads each host's stdout (with the parameter and the host's own address)
 * and stderr apart on the run page, streamed live over the run:<id> topic.
 */

const suite = automationSuite('automation browser test');
const PARAM = 'e2e-param';

// The script holds its second half until the test says go (a file appears), so the page is shown
// the first line while the run is still running: live, not read after the fact.
const script = (gate: string) =>
  [
    '#!/bin/bash',
    '# Each host says who it is: the address sshd was reached on.',
    'addr=$(echo "$SSH_CONNECTION" | cut -d" " -f3)',
    'echo "hello $1 on $addr"',
    `while [ ! -e ${gate} ]; do sleep 0.2; done`,
    'echo "warn $1 on $addr" >&2',
    'echo "done $1"',
    '',
  ].join('\n');

suite('Automation screens in a browser', () => {
  let b: AutomationBrowser;
  let page: AutomationBrowser['page'];
  let gate = '';
  let SCRIPT = '';
  let scriptId = 0;
  let runId = 0;
  const targetNames = ['e2e-host-a', 'e2e-host-b'];
  const input = (testid: string) => b.input(testid);
  const api: AutomationBrowser['api'] = (...a) => b.api(...a);

  beforeAll(async () => {
    b = await startAutomationBrowser(2);
    page = b.page;
    gate = b.gate('run');
    SCRIPT = script(gate);
  }, 180_000);
  afterAll(() => b?.close());

  it('shows the automation menu entries to the administrator', async () => {
    for (const name of ['scripts', 'targets', 'jump-hosts', 'tasks'])
      await expect.poll(() => page.getByTestId(`nav-automation-${name}`).isVisible()).toBe(true);
  });

  it('writes a script in the editor and saves it as version 1', async () => {
    await page.getByTestId('nav-automation-scripts').click();
    await page.waitForURL('**/automation/scripts');
    await page.getByTestId('scripts-create').click();
    await page.waitForURL('**/automation/scripts/new');
    await input('script-name').fill('e2e-script');
    await input('script-project').fill('ops');
    await input('script-description').fill('says hello on every host');
    // CodeMirror arrives in its own chunk; type into it as a user would (insertText: no auto-indent).
    await expect.poll(() => page.getByTestId('script-editor').getAttribute('data-ready')).toBe('true');
    const editor = page.getByTestId('script-editor').locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(SCRIPT);
    // Shell highlighting is on: the comment and the strings get token spans.
    expect(await page.getByTestId('script-editor').locator('.cm-line span').count()).toBeGreaterThan(0);
    await b.shot('script-edit');
    await b.dismissNotices();
    await page.getByTestId('script-save').click();
    await page.waitForURL(/\/automation\/scripts\/\d+$/);
    scriptId = Number(/scripts\/(\d+)$/.exec(page.url())![1]);
    await expect.poll(() => page.getByTestId('script-version').textContent()).toContain('v1');
    const stored = await api('GET', `/api/scripts/${scriptId}`);
    expect(stored.body).toMatchObject({ name: 'e2e-script', language: 'bash', project: 'ops', content: SCRIPT, version: 1 });
    await expect.poll(() => page.getByTestId('script-content').locator('.cm-content').textContent()).toContain('hello $1 on $addr');
  });

  it('adds both hosts as targets with an uploaded private key', async () => {
    for (const [i, name] of targetNames.entries()) {
      await page.getByTestId('nav-automation-targets').click();
      await page.waitForURL('**/automation/targets');
      await page.getByTestId('targets-create').click();
      await page.waitForURL('**/automation/targets/new');
      await input('host-name').fill(name);
      await input('host-host').fill(b.hosts[i].host);
      await input('host-port').fill(String(b.hosts[i].port));
      await input('host-username').fill('root');
      await input('target-project').fill('ops');
      await page.getByTestId('target-labels').locator('input').first().fill('e2e');
      await page.keyboard.press('Enter');
      // Gatehouse's own key is the default: its install command is shown with a copy button.
      await expect.poll(() => page.getByTestId('gatehouse-key-command').textContent()).toContain('authorized_keys');
      if (i === 0) await b.shot('target-gatehouse-key');
      await page.getByTestId('auth-private-key').locator('input').check();
      await page.getByTestId('auth-private-key-text').locator('textarea').first().fill(b.h.clientKey.privateKey);
      if (i === 1) await b.shot('target-edit');
      await b.dismissNotices();
      await page.getByTestId('target-save').click();
      await page.waitForURL(/\/automation\/targets\/\d+\/edit$/);
    }
    const list = await api('GET', '/api/targets?page=1&pageSize=50');
    const items = list.body.items as Array<{ name: string; host: string; authMethod: string; labels: string[] }>;
    expect(items.map((x) => x.name).sort()).toEqual(targetNames);
    for (const x of items) expect(x).toMatchObject({ authMethod: 'private-key', labels: ['e2e'] });
    // The key is write-only: nothing of it comes back.
    expect(list.text).not.toContain('PRIVATE KEY');
  });

  it('checks the target: reachable, with the time of the check, and its host key pinned', async () => {
    // We are on the second target's edit page.
    expect(await page.getByTestId('target-check-state').getAttribute('data-status')).toBe('never');
    await page.getByTestId('target-check').click();
    await expect.poll(() => page.getByTestId('target-check-state').getAttribute('data-status'), { timeout: 20_000 }).toBe('reachable');
    expect(await page.getByTestId('target-check-state').textContent()).toMatch(/checked /);
    await expect.poll(() => page.getByTestId('target-host-key').textContent()).toContain(b.hosts[1].fingerprint);
    await b.shot('target-checked');
  });

  it('creates a task on both targets with a parameter', async () => {
    await page.getByTestId('nav-automation-tasks').click();
    await page.waitForURL('**/automation/tasks');
    await page.getByTestId('tasks-create').click();
    await page.waitForURL('**/automation/tasks/new');
    await input('task-name').fill('e2e-task');
    await input('task-script').click();
    await page.getByRole('option', { name: /e2e-script/ }).click();
    // The project follows the script.
    await expect.poll(() => input('task-project').inputValue()).toBe('ops');
    await input('task-targets').click();
    for (const name of targetNames) await page.getByRole('option', { name: new RegExp(name) }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('task-parameter-add').click();
    await input('task-parameter-0').fill(PARAM);
    await b.shot('task-edit');
    await b.dismissNotices();
    await page.getByTestId('task-save').click();
    await page.waitForURL(/\/automation\/tasks\/\d+$/);
    const taskId = Number(/tasks\/(\d+)$/.exec(page.url())![1]);
    const task = await api('GET', `/api/tasks/${taskId}`);
    expect(task.body).toMatchObject({
      name: 'e2e-task',
      scriptId,
      scriptVersion: null,
      parameters: [PARAM],
      type: 'manual',
      enabled: true,
    });
    expect((task.body.targetIds as number[]).length).toBe(2);
    await expect.poll(() => page.getByTestId('task-parameter-list').textContent()).toContain(PARAM);
  });

  it('runs the task and streams each host’s stdout and stderr apart on the run page', async () => {
    await page.getByTestId('task-run-now').click();
    await page.waitForURL(/\/automation\/runs\/\d+$/);
    runId = Number(/runs\/(\d+)$/.exec(page.url())![1]);
    // The first line shows while the run still runs, and it came over the run's WebSocket topic.
    const out = page.getByTestId('run-output');
    await expect.poll(() => out.getByTestId('build-log').textContent(), { timeout: 60_000 }).toContain(`hello ${PARAM}`);
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('running');
    expect(await page.getByTestId('run-page').getAttribute('data-mode')).toBe('socket');
    await b.shot('run-live');
    writeFileSync(gate, '');
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    const ours = b.frames.map((f) => JSON.parse(f) as { topic?: string; type?: string });
    expect(ours.some((f) => f.topic === `run:${runId}` && f.type === 'log')).toBe(true);
    expect(await page.getByTestId('run-started-by').textContent()).toContain('admin');
    expect(await page.getByTestId('run-script-version').textContent()).toContain('v1');
    expect(await page.getByTestId('run-parameters').textContent()).toContain(PARAM);

    for (const [i, name] of targetNames.entries()) {
      await page.getByTestId(`run-target-${name}`).click();
      await expect.poll(() => out.getAttribute('data-target')).toBe(name);
      expect(await page.getByTestId(`run-target-status-${name}`).getAttribute('data-status')).toBe('succeeded');
      expect(await page.getByTestId(`run-target-exit-${name}`).textContent()).toBe('0');
      expect(await page.getByTestId(`run-target-host-${name}`).textContent()).toBe(`root@${b.hosts[i].host}:22`);
      await out.getByTestId('run-tab-stdout').click();
      const log = out.getByTestId('build-log');
      await expect.poll(() => log.textContent()).toContain(`hello ${PARAM} on ${b.hosts[i].host}`);
      expect(await log.textContent()).toContain(`done ${PARAM}`);
      expect(await log.textContent()).not.toContain('warn');
      await out.getByTestId('run-tab-stderr').click();
      await expect.poll(() => log.textContent()).toContain(`warn ${PARAM} on ${b.hosts[i].host}`);
      expect(await log.textContent()).not.toContain('hello');
    }
    await b.shot('run');
    // The page shows what the server stored.
    const run = await api('GET', `/api/runs/${runId}`);
    const targets = run.body.targets as Array<{ stdout: string; stderr: string; status: string }>;
    expect(targets.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(targets.every((x) => x.stdout.includes(`hello ${PARAM}`) && x.stderr.includes(`warn ${PARAM}`))).toBe(true);
  });

  it('lists the run in the script’s execution history', async () => {
    await page.goto(`${b.base}/automation/scripts/${scriptId}?tab=runs`);
    await expect.poll(() => page.getByTestId(`run-status-${runId}`).getAttribute('data-status')).toBe('succeeded');
    await b.shot('script-runs');
    await page.getByTestId('nav-automation-targets').click();
    await expect.poll(() => page.getByTestId('target-check-state-2').getAttribute('data-status')).toBe('reachable');
    await b.shot('targets');
    await page.getByTestId('nav-automation-tasks').click();
    await expect.poll(() => page.getByTestId('task-row-e2e-task').isVisible()).toBe(true);
    await b.shot('tasks');
    await page.goto(`${b.base}/automation/scripts/${scriptId}`);
  });

  it('shows the script editor in the dark palette in dark mode', async () => {
    await page.getByTestId('script-tab-content').click();
    const cm = page.getByTestId('script-content').locator('.cm-editor');
    await expect.poll(() => cm.count()).toBe(1);
    const light = await cm.evaluate((el) => getComputedStyle(el).backgroundColor);
    await page.getByTestId('theme-toggle').click();
    await expect.poll(() => page.locator('.v-theme--dark').count()).toBeGreaterThan(0);
    // The editor takes the dark theme's surface colour (#1E2227).
    await expect.poll(() => cm.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(30, 34, 39)');
    expect(light).toBe('rgb(255, 255, 255)');
    await b.shot('script-dark');
  });
});
