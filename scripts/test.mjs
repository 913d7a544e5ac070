#!/usr/bin/env node
// `npm test`: build what the browser tests serve, then run every suite on SQLite and again on
// PostgreSQL, and end with one plain line "N passed, N failed, N skipped" over both runs.
// Under CI=true a skipped test is a failure: CI must have every service the suites need.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const extra = process.argv.slice(2);
const built = spawnSync(process.execPath, ['scripts/ensure-built.mjs'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-vitest-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
let crashed = false;
for (const dialect of ['sqlite', 'postgres']) {
  const out = join(dir, `${dialect}.json`);
  console.log(`\n=== Test suite on ${dialect} ===\n`);
  const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_TEST_DB: dialect },
  });
  if (!existsSync(out)) {
    crashed = true;
    lines.push(`${dialect}: the test runner produced no report (exit ${r.status})`);
    continue;
  }
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += skipped;
  // A suite that failed to load counts as a failure even when no test inside it ran.
  const brokenFiles = (j.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'),
  ).length;
  totals.failed += brokenFiles;
  if (r.status !== 0 && j.numFailedTests === 0 && brokenFiles === 0) crashed = true;
  lines.push(`${dialect}: ${j.numPassedTests} passed, ${j.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
}
console.log('\n' + lines.join('\n'));
const ciSkips = process.env.CI && totals.skipped > 0;
if (ciSkips) console.log(`CI: ${totals.skipped} skipped test(s) count as failures here — every service must be present in CI.`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || crashed || ciSkips ? 1 : 0);
