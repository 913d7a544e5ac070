/** Archived artifacts: file download, directory listing, and *zip* archives (reference §8). */
import { crc32 } from 'node:zlib';
import type { Sim } from './context.js';
import type { Artifact, Build } from './model.js';
import { type Req, type Res, html, notFound } from './http.js';
import { escapeHtml } from './ansi-html.js';

const MIME: Record<string, string> = {
  jar: 'application/java-archive',
  apk: 'application/vnd.android.package-archive',
  html: 'text/html',
  htm: 'text/html',
  txt: 'text/plain',
  log: 'text/plain',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  png: 'image/png',
  svg: 'image/svg+xml',
  css: 'text/css',
  js: 'text/javascript',
};

export const mimeOf = (path: string): string => MIME[path.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

/** GET …/N/artifact/<segments>: segments are already decoded once each. */
export function artifactRoute(sim: Sim, req: Req, b: Build, segments: string[]): Res {
  const zipAt = segments.indexOf('*zip*');
  if (zipAt >= 0 && zipAt === segments.length - 2) {
    const dir = segments.slice(0, zipAt).join('/');
    const files = b.artifacts.filter((a) => dir === '' || a.relativePath.startsWith(dir + '/'));
    if (!files.length) return notFound(sim);
    const strip = dir === '' ? 0 : dir.lastIndexOf('/') + 1;
    return {
      status: 200,
      headers: { 'Content-Type': 'application/zip' },
      body: zip(files.map((a) => ({ name: dir === '' ? `archive/${a.relativePath}` : a.relativePath.slice(strip), data: a.content }))),
    };
  }
  const path = segments.filter((s, i) => s !== '' || i < segments.length - 1).join('/');
  const file = b.artifacts.find((a) => a.relativePath === path);
  if (file)
    return {
      status: 200,
      headers: {
        'Content-Type': mimeOf(path),
        'Content-Length': String(file.content.length),
        'Last-Modified': new Date(b.timestamp).toUTCString(),
      },
      body: file.content,
    };
  const under = b.artifacts.filter((a) => path === '' || a.relativePath.startsWith(path + '/'));
  if (!under.length) return notFound(sim);
  return html(sim, 'Build Artifacts', listing(path, under));
}

function listing(dir: string, files: Artifact[]): string {
  const entries = new Set<string>();
  for (const f of files) {
    const rest = dir === '' ? f.relativePath : f.relativePath.slice(dir.length + 1);
    const slash = rest.indexOf('/');
    entries.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  const links = [...entries].map(
    (e) => `<li><a href="${escapeHtml(e.split('/').map(encodeURIComponent).join('/'))}">${escapeHtml(e)}</a></li>`,
  );
  return `<ul>${links.join('')}</ul><a href="*zip*/${dir ? dir.split('/').pop() : 'archive'}.zip">(all files in zip)</a>`;
}

/** A zip archive with stored (uncompressed) entries. */
export function zip(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
