// Types for measure.mjs (used by engine-fanout.ts, which the typecheck covers).
export interface Measured {
  wall: number;
  cpu: number;
  busy: number;
  mem: number;
}
export function procCpuS(pid: number): number;
export function startMeasure(cpu: () => number): () => Measured;
export function tsvRow(file: string, tool: string, expect: number, run: number, m: Measured, ok: number, rc: number): void;
export function saidDone(text: string): boolean;
export function arg(name: string, dflt: string): string;
