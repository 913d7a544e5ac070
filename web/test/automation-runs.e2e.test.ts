import { afterAll, beforeAll, expect, it } from 'vitest';
import { automationSuite, startAutomationBrowser, type AutomationBrowser } from './automation-browser.js';

/**
 * Acting on runs in a real browser, against the real server and database and a real sshd host:
 * a run that failed on one target (nothing listens at its address) is re-run from its page with
 * only that target; a running run is cancelled from its page; the page reads in Chinese too.
 */

const suite = automationSuite('automation run actions browser test');

suite('Run actions in a browser', () => {
  let b: AutomationBrowser;
  let page: AutomationBrowser['page'];
  let scriptId = 0;
  let runId = 0;
  const api: AutomationBrowser['api'] = (...a) => b.api(...a);
  const target = async (name: string, at: { host: string; port: number }) => {
    const res = await api('POST', '/api/targets', {
      name,
      host: at.host,
      port: at.port,
      username: 'root',
      project: 'ops',
      privateKey: b.h.clientKey.privateKey,
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id as number;
  };

  beforeAll(async () => {
    b = await startAutomationBrowser(1);
    page = b.page;
    const s = await api('POST', '/api/scripts', { name: 'e2e-hello', language: 'sh', project: 'ops', content: 'echo "hello $1"\n' });
    expect(s.status, s.text).toBe(201);
    scriptId = s.body.id;
    await target('e2e-host-a', b.hosts[0]);
    await target('e2e-host-b', b.hosts[0]);
  }, 180_000);
  afterAll(() => b?.close());

  it('re-runs only the failed target of a run from the run page', async () => {
    // One good host and one address where nothing listens: the run fails on one target only.
    const dead = await api('POST', '/api/targets', {
      name: 'e2e-dead',
      ...b.h.unusedAddress(),
      username: 'root',
      project: 'ops',
      privateKey: b.h.clientKey.privateKey,
    });
    expect(dead.status, dead.text).toBe(201);
    const good = ((await api('GET', '/api/targets?page=1&pageSize=50&q=e2e-host-a')).body.items as Array<{ id: number }>)[0].id;
    const task = await api('POST', '/api/tasks', { name: 'e2e-partial', project: 'ops', scriptId, targetIds: [good, dead.body.id] });
    expect(task.status, task.text).toBe(201);
    const started = await api('POST', `/api/tasks/${task.body.id}/run`);
    expect(started.status, started.text).toBe(202);
    const first = started.body.runId as number;
    runId = first;
    await page.goto(`${b.base}/automation/runs/${first}`);
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    expect(await page.getByTestId('run-target-status-e2e-dead').getAttribute('data-status')).toBe('unreachable');
    // Gatehouse's own account of what went wrong is on its own tab.
    await page.getByTestId('run-target-e2e-dead').click();
    await page.getByTestId('run-output').getByTestId('run-tab-system').click();
    await expect.poll(() => page.getByTestId('run-output').getByTestId('build-log').textContent()).not.toBe('');
    await expect.poll(() => page.getByTestId('run-rerun-failed').textContent()).toContain('(1)');
    await page.getByTestId('run-rerun-failed').click();
    await page.waitForURL((u) => /\/automation\/runs\/\d+$/.test(u.pathname) && !u.pathname.endsWith(`/${first}`));
    const again = Number(/runs\/(\d+)$/.exec(page.url())![1]);
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    expect(await page.locator('[data-testid^="run-target-status-"]').count()).toBe(1);
    const rerun = await api('GET', `/api/runs/${again}`);
    expect(rerun.body).toMatchObject({ trigger: 'rerun', details: { rerunOf: first } });
    expect((rerun.body.targets as Array<{ name: string }>).map((x) => x.name)).toEqual(['e2e-dead']);
  });

  it('cancels a running run from the run page', async () => {
    const slow = await api('POST', '/api/scripts', {
      name: 'e2e-slow',
      language: 'sh',
      project: 'ops',
      content: `echo started\nwhile [ ! -e ${b.gate('cancel')} ]; do sleep 0.2; done\necho never\n`,
    });
    expect(slow.status, slow.text).toBe(201);
    const good = ((await api('GET', '/api/targets?page=1&pageSize=50&q=e2e-host-b')).body.items as Array<{ id: number }>)[0].id;
    const task = await api('POST', '/api/tasks', { name: 'e2e-slow', project: 'ops', scriptId: slow.body.id, targetIds: [good] });
    expect(task.status, task.text).toBe(201);
    const started = await api('POST', `/api/tasks/${task.body.id}/run`);
    const id = started.body.runId as number;
    await page.goto(`${b.base}/automation/runs/${id}`);
    // Live output first, then the cancel.
    await expect
      .poll(() => page.getByTestId('run-output').getByTestId('build-log').textContent(), { timeout: 30_000 })
      .toContain('started');
    expect(await page.getByTestId('run-status').getAttribute('data-status')).toBe('running');
    await b.dismissNotices();
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled');
    expect(await page.getByTestId('run-output').getByTestId('build-log').textContent()).not.toContain('never');
    expect(await page.getByTestId('run-cancel').count()).toBe(0);
  });

  it('shows the run page in Chinese', async () => {
    await page.goto(`${b.base}/automation/runs/${runId}`);
    await expect.poll(() => page.getByTestId('run-title').textContent()).toBe(`Run #${runId}`);
    await page.getByTestId('locale-switch').click();
    await page.getByTestId('locale-zh-CN').click();
    await expect.poll(() => page.getByTestId('run-title').textContent()).toBe(`执行 #${runId}`);
    expect(await page.getByTestId('run-status').textContent()).toContain('失败');
    expect(await page.getByTestId('run-rerun-failed').textContent()).toContain('重新执行失败的目标');
    expect(await page.getByTestId('run-output').getByTestId('run-tab-stderr').textContent()).toContain('标准错误');
    await b.shot('run-zh');
    await page.getByTestId('locale-switch').click();
    await page.getByTestId('locale-en').click();
    await expect.poll(() => page.getByTestId('run-title').textContent()).toBe(`Run #${runId}`);
  });

  it('adds a jump host and puts it in front of a target', async () => {
    const input = (testid: string) => b.input(testid);
    await page.goto(`${b.base}/automation/jump-hosts`);
    await page.getByTestId('jump-hosts-create').click();
    await page.waitForURL('**/automation/jump-hosts/new');
    await input('host-name').fill('e2e-bastion');
    await input('host-host').fill(b.hosts[0].host);
    await input('host-username').fill('root');
    await page.getByTestId('auth-private-key').locator('input').check();
    await page.getByTestId('auth-private-key-text').locator('textarea').first().fill(b.h.clientKey.privateKey);
    await b.dismissNotices();
    await page.getByTestId('jump-host-save').click();
    await page.waitForURL('**/automation/jump-hosts');
    await expect.poll(() => page.getByTestId('jump-host-row-e2e-bastion').isVisible()).toBe(true);
    // No project: every project's targets may use it.
    expect(await page.getByTestId('jump-hosts-table').textContent()).toContain('all projects');
    const jump = ((await api('GET', '/api/jump-hosts?page=1&pageSize=50')).body.items as Array<{ id: number; project: string | null }>)[0];
    expect(jump.project).toBeNull();

    const id = ((await api('GET', '/api/targets?page=1&pageSize=50&q=e2e-host-b')).body.items as Array<{ id: number }>)[0].id;
    await page.goto(`${b.base}/automation/targets/${id}/edit`);
    await input('jump-chain-add').click();
    await page.getByRole('option', { name: /e2e-bastion/ }).click();
    await expect.poll(() => page.getByTestId('jump-chain-item-0').textContent()).toContain('e2e-bastion');
    await b.dismissNotices();
    await page.getByTestId('target-save').click();
    await expect.poll(async () => (await api('GET', `/api/targets/${id}`)).body.jumpHostIds).toEqual([jump.id]);
    // The key stays as it was: nothing was pasted, so nothing was sent.
    expect((await api('GET', `/api/targets/${id}`)).body.authMethod).toBe('private-key');
  });
});
