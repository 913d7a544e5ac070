/**
 * Build scripts: what a simulated run does, step by step. A script is data, so a fixture or a test
 * can describe "log these lines, wait 2 s, ask for approval, archive a jar, end UNSTABLE".
 */
import type { InputSpec, Result } from './model.js';
import { note } from './console.js';

export type ArtifactContent = string | Buffer | { size: number };

export type BuildStep =
  /** Appends text to the console as is (include your own newlines). */
  | { log: string }
  /** Waits, scaled by the emulator's timeScale; a stop interrupts it. */
  | { sleep: number }
  /** Pipeline stage markers around nothing; put `log`/`sleep` steps after it. */
  | { stage: string }
  /** Waits until the test calls JenkinsSim.release(job, build, name): makes "still running" deterministic. */
  | { hold: string }
  /** Pauses at a pipeline input step until proceeded or aborted. */
  | { input: InputSpec }
  /** Archives a file (artifacts are visible once archived). */
  | { archive: { path: string; content: ArtifactContent } }
  /** Sets the result before the end (pipelines may do that: currentBuild.result = 'UNSTABLE'). */
  | { result: Result }
  /** Ends the run with FAILURE after logging the message. */
  | { fail: string };

const ESC = '\u001b';
export const ansi = {
  red: (s: string) => `${ESC}[31m${s}${ESC}[0m`,
  green: (s: string) => `${ESC}[32m${s}${ESC}[0m`,
  yellow: (s: string) => `${ESC}[33m${s}${ESC}[0m`,
  blue: (s: string) => `${ESC}[34m${s}${ESC}[0m`,
  cyan: (s: string) => `${ESC}[36m${s}${ESC}[0m`,
  bold: (s: string) => `${ESC}[1m${s}${ESC}[22m`,
  grey: (s: string) => `${ESC}[90m${s}${ESC}[0m`,
};

/** A "[Pipeline] …" line as workflow-job writes it: a hidden note first, then the text. */
export const pipelineLine = (text: string): string => `${note({ length: 10 })}[Pipeline] ${text}\n`;

export function artifactBytes(content: ArtifactContent): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (Buffer.isBuffer(content)) return content;
  const b = Buffer.alloc(content.size);
  for (let i = 0; i < b.length; i++) b[i] = i % 251;
  return b;
}

/** A conventional pipeline: checkout, build (with a coloured log), test, optional archive. */
export function standardPipeline(
  opts: { stepMs?: number; lines?: number; archive?: { path: string; content: ArtifactContent }[] } = {},
): BuildStep[] {
  const stepMs = opts.stepMs ?? 400;
  const steps: BuildStep[] = [
    { log: pipelineLine('Start of Pipeline') + pipelineLine('node') + 'Running on Jenkins in /var/jenkins_home/workspace/app\n' },
  ];
  steps.push({ stage: 'Checkout' }, { log: 'The recommended git tool is: NONE\nCloning repository\n' }, { sleep: stepMs });
  steps.push({ stage: 'Build' });
  const lines = opts.lines ?? 12;
  for (let i = 1; i <= lines; i++) {
    steps.push({ log: colouredBuildLine(i) });
    if (i % 4 === 0) steps.push({ sleep: stepMs });
  }
  steps.push({ stage: 'Test' }, { log: ansi.green('✔') + ' 42 tests passed\n' }, { sleep: stepMs });
  for (const a of opts.archive ?? []) steps.push({ archive: a });
  steps.push({ log: pipelineLine('End of Pipeline') });
  return steps;
}

const TASKS = ['compileJava', 'processResources', 'classes', 'jar', 'bundle', 'lint', 'minify', 'typecheck'];

/** One line of a colourful build tool output; deterministic for a given index. */
export function colouredBuildLine(i: number): string {
  const task = TASKS[i % TASKS.length];
  if (i % 13 === 0) return `${ansi.yellow('warning:')} deprecated API used in ${task} (line ${i})\n`;
  if (i % 7 === 0) return `${ansi.cyan('>')} Task :${ansi.bold(task)} ${ansi.grey('UP-TO-DATE')}\n`;
  return `${ansi.cyan('>')} Task :${task} ${ansi.green('OK')} ${ansi.grey(`(${(i * 37) % 900} ms)`)}\n`;
}

/** A long coloured log (hundreds of lines) for the demo and for paging tests. */
export function longColouredLog(lines: number): BuildStep[] {
  const steps: BuildStep[] = [{ stage: 'Build' }];
  let chunk = '';
  for (let i = 1; i <= lines; i++) {
    chunk += colouredBuildLine(i);
    if (i % 50 === 0) {
      steps.push({ log: chunk }, { sleep: 150 });
      chunk = '';
    }
  }
  if (chunk) steps.push({ log: chunk });
  return steps;
}
