#!/usr/bin/env node
// Reports imports that break the module layers in DESIGN.md:
//   a module may import only from lower layers, only through that module's index.ts,
//   and core imports no module. Usage: node check-layers.mjs [server/src]   (exit 1 on findings)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative, sep } from 'node:path';

const LAYER = { core: 0, audit: 1, notify: 1, identity: 2, access: 3, jenkins: 4, automation: 4, approvals: 5, tickets: 6, releases: 6 };
const root = resolve(process.argv[2] ?? 'server/src');
if (!existsSync(root)) process.exit(0);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|vue)$/.test(name) && !/\.(test|spec)\.ts$/.test(name) && !p.includes('__tests__')) yield p;
  }
}
// Which module a path belongs to: core, or modules/<name>; null elsewhere.
function ownerOf(p) {
  const parts = relative(root, p).split(sep);
  if (parts[0] === 'core') return { name: 'core', inside: parts.slice(1).join('/') };
  if (parts[0] === 'modules' && parts[1]) return { name: parts[1], inside: parts.slice(2).join('/') };
  return null;
}
const findings = [];
for (const file of files(root)) {
  const from = ownerOf(file);
  if (!from) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    const to = ownerOf(resolve(dirname(file), spec));
    if (!to || to.name === from.name) continue;
    const where = `${relative(root, file)} imports ${spec}`;
    if (from.name === 'core') findings.push(`${where}: core must import no module`);
    else if (to.name !== 'core') {
      if ((LAYER[to.name] ?? 99) >= (LAYER[from.name] ?? 99))
        findings.push(
          `${where}: ${from.name} (layer ${LAYER[from.name]}) may not import ${to.name} (layer ${LAYER[to.name]}) — use an event or a registered handler`,
        );
      if (!/^(index(\.[mc]?[jt]s)?)?$/.test(to.inside))
        findings.push(`${where}: import ${to.name} through its index.ts, not its internals`);
    }
  }
}
if (findings.length) {
  console.log(`Layer rule findings (${findings.length}), see DESIGN.md "Layers":`);
  for (const f of findings.slice(0, 40)) console.log('  ' + f);
  process.exit(1);
}
