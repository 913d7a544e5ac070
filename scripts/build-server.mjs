#!/usr/bin/env node
// `npm run build:server`: compile the server with tsc, then bundle its entry with esbuild into
// server/dist/main.js (plus chunks for what is loaded on demand). One ES module instead of ~1,200
// files is most of what makes `npm start` healthy in well under a second: Node no longer resolves,
// reads and compiles every file of fastify, ajv, kysely and typebox one by one. Tests and
// `npm run dev` run the TypeScript sources; `npm start` and the benchmarks run the bundle.
//
// Left in node_modules and loaded at run time as before:
// - packages with a native addon or an install script (better-sqlite3, bcrypt, ssh2 …), found by
//   looking at each imported package;
// - heavy optional packages (OPTIONAL below), most of which the server loads only when used.
// Bundled CommonJS that finds its own files through __dirname / __filename (swagger-ui's page
// assets, pino's worker) gets the path of its file in node_modules, so it reads the same files.
// The bundle sits in server/dist/, the depth the compiled app.js has, so code that locates the
// repository from import.meta.url (package.json, web/dist) finds the same paths.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'server/dist');
const modules = join(root, 'node_modules');

/** pg and pg-boss: PostgreSQL mode only; nodemailer: SMTP only; exceljs, qrcode: one export or QR
 * code; undici: the Jenkins client. */
const OPTIONAL = new Set(['pg', 'pg-boss', 'pg-protocol', 'exceljs', 'qrcode', 'nodemailer', 'undici']);

const packageName = (spec) => spec.split('/', spec.startsWith('@') ? 2 : 1).join('/');

function isNative(name) {
  const dir = join(modules, name);
  if (existsSync(join(dir, 'binding.gyp'))) return true;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const s = pkg.scripts ?? {};
    return Boolean(pkg.gypfile || pkg.binary || s.install || s.preinstall || s.postinstall);
  } catch {
    return false;
  }
}

const externalNames = new Set();

/** Leaves native and optional packages to node_modules. */
const externals = {
  name: 'gatehouse-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return undefined;
      const name = packageName(args.path);
      if (!OPTIONAL.has(name) && !isNative(name)) return undefined;
      // An external is loaded from the top-level node_modules; a nested copy there would differ.
      if (args.importer.includes('/node_modules/') && existsSync(join(dirname(args.importer), 'node_modules', name))) {
        throw new Error(`${name} is nested under ${args.importer}; it cannot be left external`);
      }
      externalNames.add(name);
      return { path: args.path, external: true };
    });
  },
};

/** Gives bundled CommonJS files their own __dirname and __filename (as paths in node_modules). */
const ownPaths = {
  name: 'gatehouse-own-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(code)) return undefined;
      const file = JSON.stringify(relative(root, args.path).split('\\').join('/'));
      const head = `var __filename = __ghRepoPath(${file}), __dirname = __ghDir(__filename);`;
      return { contents: `${head}\n${code}`, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

// CommonJS inside an ES module bundle still calls require() for Node's built-ins, and the repository
// root is two levels above server/dist.
const banner = [
  "import { createRequire as __ghRequire } from 'node:module';",
  "import { dirname as __ghDir, join as __ghJoin } from 'node:path';",
  "import { fileURLToPath as __ghPath } from 'node:url';",
  'const require = __ghRequire(import.meta.url);',
  "const __ghRepoPath = (p) => __ghJoin(__ghPath(new URL('../..', import.meta.url)), p);",
].join(' ');

// tsc still type-checks and emits one file per source (benchmarks import single modules from
// server/dist); the bundle then replaces main.js, the entry `npm start` runs.
rmSync(`${outdir}.tmp`, { recursive: true, force: true });
execFileSync(process.execPath, [join(modules, 'typescript/bin/tsc'), '-p', 'server/tsconfig.json', '--outDir', `${outdir}.tmp`], {
  cwd: root,
  stdio: 'inherit',
});
await build({
  entryPoints: { main: join(root, 'server/src/main.ts') },
  outdir: `${outdir}.tmp`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  // ASCII output keeps the bundle a one-byte string in V8 (half the memory of a two-byte one).
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [externals, ownPaths],
  banner: { js: banner },
});
// Swap the new build in at once, so a server started meanwhile never sees half of one.
rmSync(outdir, { recursive: true, force: true });
renameSync(`${outdir}.tmp`, outdir);
console.log(`Bundled server/dist/main.js; from node_modules at run time: ${[...externalNames].sort().join(', ')}`);
