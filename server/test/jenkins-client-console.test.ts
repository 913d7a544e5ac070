import { afterEach, describe, expect, it } from 'vitest';
import { ansi, type JenkinsSim } from '../../tools/jenkins-sim/index.js';
import type { JenkinsClient } from '../src/modules/jenkins/client/index.js';
import { cleanProgressiveChunk } from '../src/modules/jenkins/client/console-text.js';
import { clientFor, readAll, received, startSim, until } from './jenkins-client-helpers.js';

const ESC = '\u001b';
const NOTE = `${ESC}[8mha:////QUJDRA==${ESC}[0m`;

describe('Jenkins client: progressive console text', () => {
  let sim: JenkinsSim | undefined;
  let client: JenkinsClient | undefined;

  afterEach(async () => {
    await client?.close();
    await sim?.close();
    sim = client = undefined;
  });

  it('polls progressiveText until more=false: notes stripped, LF line ends, ANSI colours kept', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    sim.createJob('logger', {
      script: [
        { log: `${ansi.green('step one')}\n` },
        { input: { id: 'go', message: 'Go on?' } },
        { log: `${ansi.red('step two')}\n` },
        { sleep: 500 },
        { log: 'step three\n' },
      ],
    });
    const { queueId } = await client.trigger(['logger']);
    const n = await until(async () => (await client!.getQueueItem(queueId))?.executable?.number);

    let text = '';
    let start = 0;
    const waiting = await until(async () => {
      const chunk = await client!.progressiveText(['logger'], n, start);
      text += chunk.text;
      start = chunk.nextStart;
      return text.includes('Go on?') && chunk;
    });
    expect(waiting.more).toBe(true);
    await client.proceedInput(['logger'], n, 'Go');
    for (let more = true; more;) {
      const chunk = await client.progressiveText(['logger'], n, start);
      text += chunk.text;
      start = chunk.nextStart;
      more = chunk.more;
    }

    const raw = sim.build(['logger'], n).log.raw();
    expect(start).toBe(raw.length); // X-Text-Size is the raw byte offset, notes included
    expect(raw.toString()).toContain(`${ESC}[8mha:`); // Jenkins ≥ 2.509 streams notes …
    expect(text).not.toContain(`${ESC}[8m`); // … and the client strips them
    expect(text).not.toContain('\r');
    expect(text).toContain(`${ESC}[32mstep one${ESC}[0m\n`);
    expect(text).toContain(`${ESC}[31mstep two${ESC}[0m\n`);
    expect(text).toMatch(/step three\nFinished: SUCCESS\n$/);
    expect(text).toBe((await readAll(await client.consoleText(['logger'], n))).toString());
    expect(received(sim, /progressiveText$/)[0].query.start).toBe('0');
  });

  it('holds back a console note cut at the end of a chunk until it is complete', async () => {
    sim = await startSim();
    client = clientFor(sim).client;
    sim.createJob('cut', { script: [{ log: 'one\ntwo ' }, { log: `${ESC}[8mha:////QUJD` }, { sleep: 100_000_000 }] });
    const { queueId } = await client.trigger(['cut']);
    const n = await until(async () => (await client!.getQueueItem(queueId))?.executable?.number);
    const first = await until(async () => {
      const c = await client!.progressiveText(['cut'], n, 0);
      return c.text.includes('two') && c;
    });
    const log = sim.build(['cut'], n).log;
    expect(first).toMatchObject({ more: true, nextStart: log.size - `${ESC}[8mha:////QUJD`.length });
    expect(first.text.endsWith('one\ntwo ')).toBe(true);

    log.append(`RA==${ESC}[0mvisible\n`);
    const second = await client.progressiveText(['cut'], n, first.nextStart);
    expect(second.text).toBe('visible\n');
    expect(second.nextStart).toBe(log.size);
    await client.stop(['cut'], n);
  });
});

describe('cleanProgressiveChunk', () => {
  it('strips notes and CRLF but keeps ANSI colours', () => {
    const body = Buffer.from(`Started by user ${NOTE}CI Bot\r\n${ESC}[31mred${ESC}[0m\r\n`);
    expect(cleanProgressiveChunk(body, 500, false)).toEqual({
      text: `Started by user CI Bot\n${ESC}[31mred${ESC}[0m\n`,
      nextStart: 500,
      more: false,
    });
  });

  it('holds back an incomplete UTF-8 character while more data is coming', () => {
    const euro = Buffer.from('€'); // 3 bytes
    const body = Buffer.concat([Buffer.from('price: '), euro.subarray(0, 2)]);
    expect(cleanProgressiveChunk(body, 100, true)).toEqual({ text: 'price: ', nextStart: 98, more: true });
    expect(cleanProgressiveChunk(Buffer.concat([Buffer.from('a'), euro]), 100, true).text).toBe('a€');
  });

  it('keeps everything once the log is complete', () => {
    const body = Buffer.from(`tail ${ESC}[8mha:zz`);
    expect(cleanProgressiveChunk(body, 40, false)).toEqual({ text: `tail ${ESC}[8mha:zz`, nextStart: 40, more: false });
  });

  it('does not hold back text after an unterminated note start that spans a line end', () => {
    const body = Buffer.from(`x ${ESC}[8mha:broken\r\nnext line\r\n`);
    expect(cleanProgressiveChunk(body, 60, true)).toEqual({ text: `x ${ESC}[8mha:broken\nnext line\n`, nextStart: 60, more: true });
  });
});
