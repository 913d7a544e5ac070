#!/usr/bin/env node
// Reports circular imports among the server's own files (relative imports, .js → .ts) and exits 1.
// Type-only imports are left out: they vanish at compile time and cannot cause a cycle at load.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const root = resolve(process.argv[2] ?? 'server/src');
const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
})(root);

const graph = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const deps = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    const target = resolve(dirname(f), m[2].replace(/\.js$/, '.ts'));
    if (existsSync(target)) deps.push(target);
  }
  graph.set(f, deps);
}

const cycles = [];
const state = new Map();
const stack = [];
function visit(n) {
  state.set(n, 1);
  stack.push(n);
  for (const d of graph.get(n) ?? []) {
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(root, x)).join(' → '));
    else if (!state.get(d)) visit(d);
  }
  stack.pop();
  state.set(n, 2);
}
for (const f of files) if (!state.get(f)) visit(f);
if (cycles.length) {
  console.log(`Circular imports (${cycles.length}):`);
  for (const c of cycles.slice(0, 30)) console.log('  ' + c);
  process.exit(1);
}
console.log(`No circular imports among ${files.length} files.`);
