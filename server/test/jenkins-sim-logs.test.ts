/**
 * Jenkins emulator contract: progressive console text/HTML, consoleText, artifacts and
 * stop/term/kill (reference §§8, 9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, call, getJson, post, startSim, until, type JenkinsSim } from './jenkins-sim-helpers.js';
import { ansi } from '../../tools/jenkins-sim/index.js';

const ESC = '\u001b';
let sim: JenkinsSim;

const LOG_SCRIPT = [
  { log: 'Hello\n' },
  { log: `${ansi.red('red')}\n` },
  { log: 'windows line\r\nnext\n' },
  { hold: 'mid' },
  { log: 'après\n' },
  { hold: 'end' },
];

async function progressive(s: JenkinsSim, path: string, start: number) {
  const res = await call(s, `${path}logText/progressiveText?start=${start}`);
  return { res, body: await res.text(), size: Number(res.headers.get('x-text-size')), more: res.headers.get('x-more-data') };
}

/** Starts job `name` and waits until its run #n exists. */
async function started(s: JenkinsSim, name: string, n = 1): Promise<void> {
  s.trigger(name);
  await until(() => (s.job(name).builds.length >= n ? true : undefined), `${name} #${n} to start`);
}

beforeAll(async () => {
  sim = await startSim({ version: '2.516.3' });
  sim.addUser('viewer', { tokens: ['viewer-token'], permissions: ['Overall/Read', 'Item/Read'] });
  sim.createJob('log', { script: LOG_SCRIPT });
  sim.createJob('arts', {
    script: [
      { archive: { path: 'build/reports/report.html', content: '<html>ok</html>' } },
      { archive: { path: 'build/libs/app.jar', content: { size: 1000 } } },
      { archive: { path: 'a/x.txt', content: 'A' } },
      { archive: { path: 'b/x.txt', content: 'B' } },
      { archive: { path: 'out/my report.txt', content: 'spaced' } },
    ],
  });
  sim.createJob('pipe', { script: [{ hold: 'end' }] });
  sim.createJob('free', { kind: 'freestyle', script: [{ hold: 'end' }] });
});
afterAll(async () => sim?.close());

describe('progressiveText', () => {
  const run = '/job/log/1/';

  it('streams the raw log from a byte offset with CRLF, raw ANSI and console notes', async () => {
    await started(sim, 'log');
    await until(() => (sim.build('log', 1).holding?.name === 'mid' ? true : undefined), 'the hold');
    const first = await progressive(sim, run, 0);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(first.res.headers.get('x-jenkins')).toBeNull();
    expect(first.more).toBe('true');
    // A hidden console note sits before the user name (Jenkins ≥ 2.509 keeps notes in progressiveText).
    expect(first.body).toMatch(new RegExp(`^Started by user ${ESC}\\[8mha:[^${ESC}]*${ESC}\\[0mAdmin\\r\\n`));
    expect(first.body).toContain(`Hello\r\n${ESC}[31mred${ESC}[0m\r\nwindows line\r\nnext\r\n`);
    expect(first.body).not.toMatch(/[^\r]\n/);
    // X-Text-Size is the raw byte offset: it counts the note bytes and the original "\n", not the body.
    const raw = sim.build('log', 1).log.raw();
    expect(first.size).toBe(raw.length);
    expect(first.size).not.toBe(Buffer.byteLength(first.body));

    const idle = await progressive(sim, run, first.size);
    expect(idle).toMatchObject({ body: '', size: first.size, more: 'true' });

    sim.release('log', 1, 'mid');
    const next = await until(async () => {
      const r = await progressive(sim, run, first.size);
      return r.size > first.size ? r : undefined;
    }, 'the log to grow');
    expect(next.body).toBe('après\r\n');
    expect(next.size - first.size).toBe(Buffer.byteLength('après\n'));
  });

  it('drops X-More-Data once the run is complete and restarts from 0 when start is beyond the end', async () => {
    sim.release('log', 1, 'end');
    await sim.waitForBuild('log', 1);
    const done = await progressive(sim, run, 0);
    expect(done.more).toBeNull();
    expect(done.body.endsWith('Finished: SUCCESS\r\n')).toBe(true);
    const beyond = await progressive(sim, run, done.size + 1000);
    expect(beyond.body).toBe(done.body);
    expect(beyond.size).toBe(done.size);
  });

  it('accepts start as a POST form field', async () => {
    const res = await post(sim, `${run}logText/progressiveText`, { form: { start: '6' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe((await progressive(sim, run, 6)).body);
  });

  it('strips notes in progressiveText before 2.509, still counting their bytes in X-Text-Size', async () => {
    const old = await startSim({ version: '2.504.1' });
    try {
      old.createJob('j', { script: [{ log: 'x\n' }] });
      await started(old, 'j');
      await old.waitForBuild('j', 1);
      const r = await progressive(old, '/job/j/1/', 0);
      expect(r.body).toBe('Started by user Admin\r\nx\r\nFinished: SUCCESS\r\n');
      expect(r.size).toBeGreaterThan(Buffer.byteLength('Started by user Admin\nx\nFinished: SUCCESS\n'));
    } finally {
      await old.close();
    }
  });

  it('renders progressiveHtml with links, colour spans and X-ConsoleAnnotator', async () => {
    const res = await call(sim, `${run}logText/progressiveHtml?start=0`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-consoleannotator')).toBeTruthy();
    expect(res.headers.get('x-text-size')).toBe(String(sim.build('log', 1).log.size));
    const body = await res.text();
    expect(body).toContain('Started by user <a href="/user/admin">Admin</a>');
    expect(body).toContain('<span style="color: #CD0000;">red</span>');
    expect(body).not.toContain(ESC);
  });
});

describe('consoleText', () => {
  it('returns the whole log with notes stripped, original line endings and raw ANSI', async () => {
    const res = await call(sim, '/job/log/1/consoleText');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await res.text()).toBe(`Started by user Admin\nHello\n${ESC}[31mred${ESC}[0m\nwindows line\r\nnext\naprès\nFinished: SUCCESS\n`);
  });

  it('names an anonymous trigger "unknown or anonymous"', async () => {
    sim.createJob('anon', { script: [] });
    sim.trigger('anon', { user: 'nobody-at-all' });
    await until(() => (sim.job('anon').builds[0] && !sim.job('anon').builds[0].building ? true : undefined), 'anon #1');
    expect(await (await call(sim, '/job/anon/1/consoleText')).text()).toMatch(/^Started by user unknown or anonymous\n/);
  });
});

describe('artifacts', () => {
  beforeAll(async () => {
    await started(sim, 'arts');
    await sim.waitForBuild('arts', 1);
  });

  it('lists artifacts with the shortest unique displayPath', async () => {
    const run = await getJson(sim, '/job/arts/1/api/json?tree=artifacts[*]');
    expect(run.artifacts).toEqual([
      { displayPath: 'report.html', fileName: 'report.html', relativePath: 'build/reports/report.html' },
      { displayPath: 'app.jar', fileName: 'app.jar', relativePath: 'build/libs/app.jar' },
      { displayPath: 'a/x.txt', fileName: 'x.txt', relativePath: 'a/x.txt' },
      { displayPath: 'b/x.txt', fileName: 'x.txt', relativePath: 'b/x.txt' },
      { displayPath: 'my report.txt', fileName: 'my report.txt', relativePath: 'out/my report.txt' },
    ]);
  });

  it('serves files with a MIME type by extension, 404 for missing ones and HTML for directories', async () => {
    const html = await call(sim, '/job/arts/1/artifact/build/reports/report.html');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toBe('<html>ok</html>');
    const jar = await call(sim, '/job/arts/1/artifact/build/libs/app.jar');
    expect(jar.headers.get('content-type')).toBe('application/java-archive');
    expect((await jar.arrayBuffer()).byteLength).toBe(1000);
    expect(await (await call(sim, '/job/arts/1/artifact/out/my%20report.txt')).text()).toBe('spaced');
    expect((await call(sim, '/job/arts/1/artifact/build/nope.txt')).status).toBe(404);
    const dir = await call(sim, '/job/arts/1/artifact/build/');
    expect(dir.status).toBe(200);
    expect(await dir.text()).toContain('libs/');
  });

  it('zips all artifacts under *zip*/archive.zip', async () => {
    const res = await call(sim, '/job/arts/1/artifact/*zip*/archive.zip');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = Buffer.from(await res.arrayBuffer());
    expect(zip.readUInt32LE(0)).toBe(0x04034b50);
    const end = zip.subarray(zip.length - 22);
    expect(end.readUInt32LE(0)).toBe(0x06054b50);
    expect(end.readUInt16LE(10)).toBe(5);
    expect(zip.includes(Buffer.from('archive/build/libs/app.jar'))).toBe(true);
  });
});

describe('stop, term and kill', () => {
  it('stops a running pipeline with 302 to the run (or the Referer), idempotently', async () => {
    await started(sim, 'pipe');
    expect((await call(sim, '/job/pipe/1/stop')).status).toBe(405);
    expect((await post(sim, '/job/pipe/1/stop', { auth: basic('viewer', 'viewer-token') })).status).toBe(403);
    const res = await post(sim, '/job/pipe/1/stop');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${sim.url}/job/pipe/1/`);
    await sim.waitForBuild('pipe', 1);
    const run = await getJson(sim, '/job/pipe/1/api/json?tree=building,result');
    expect(run).toMatchObject({ building: false, result: 'ABORTED' });
    expect(await (await call(sim, '/job/pipe/1/consoleText')).text()).toMatch(/Aborted by Admin\nFinished: ABORTED\n$/);
    const again = await post(sim, '/job/pipe/1/stop', { headers: { Referer: 'http://ci.example/somewhere' } });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('http://ci.example/somewhere');
  });

  it('escalates stop → term → kill for a pipeline that does not stop, printing the next link', async () => {
    await started(sim, 'pipe', 2);
    sim.build('pipe', 2).resistance = 2;
    expect((await post(sim, '/job/pipe/2/stop')).status).toBe(302);
    expect(sim.build('pipe', 2).building).toBe(true);
    const afterStop = await (await call(sim, '/job/pipe/2/logText/progressiveHtml')).text();
    expect(afterStop).toContain('<a href="/job/pipe/2/term" class="post-link">forcibly terminate running steps</a>');
    expect((await post(sim, '/job/pipe/2/term')).status).toBe(302);
    expect(sim.build('pipe', 2).building).toBe(true);
    expect(await (await call(sim, '/job/pipe/2/consoleText')).text()).toContain('Click here to forcibly kill entire build');
    expect((await post(sim, '/job/pipe/2/kill')).status).toBe(302);
    await sim.waitForBuild('pipe', 2);
    expect(sim.build('pipe', 2).result).toBe('ABORTED');
    expect(await (await call(sim, '/job/pipe/2/consoleText')).text()).toContain('Hard kill!');
  });

  it('has no term or kill for freestyle runs (404), but stop works', async () => {
    await started(sim, 'free');
    expect((await post(sim, '/job/free/1/term')).status).toBe(404);
    expect((await post(sim, '/job/free/1/kill')).status).toBe(404);
    expect((await post(sim, '/job/free/1/stop')).status).toBe(302);
    await sim.waitForBuild('free', 1);
    expect(sim.build('free', 1).result).toBe('ABORTED');
  });
});
