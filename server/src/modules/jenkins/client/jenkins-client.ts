/**
 * JenkinsClient: the operations Gatehouse needs from one Jenkins, each one HTTP request where
 * Jenkins allows it (tree queries). Transport concerns (auth, crumbs, retries, breaker, proxy)
 * live in transport.ts; JSON mapping in parse.ts.
 */
import type { Readable } from 'node:stream';
import { JenkinsError } from './jenkins-error.js';
import { artifactUrlPath, buildUrlPath, jobUrlPath, kindOf, queueIdFromLocation } from './paths.js';
import { type Json, list, obj, str, toBranch, toBuildDetail, toBuildSummary, toParamDefs, toPendingInputs, toQueueInfo } from './parse.js';
import { api, BUILD_TREE, buildsTree, INPUTS_TREE, itemsTree, PARAMS_TREE, PROJECT_TREE, QUEUE_TREE } from './queries.js';
import { parseJson, type Reply, Transport } from './transport.js';
import { cleanProgressiveChunk } from './console-text.js';
import type { BreakerState } from './circuit-breaker.js';
import type {
  ArtifactDownload,
  BuildDetail,
  BuildSummary,
  ClientOptions,
  JenkinsConnection,
  JenkinsItem,
  JobPath,
  ParamDef,
  PendingInput,
  ProjectInfo,
  QueueInfo,
} from './types.js';

const FOLDER_KINDS = new Set(['folder', 'org-folder']);

export class JenkinsClient {
  private readonly t: Transport;

  constructor(conn: JenkinsConnection, opts: ClientOptions = {}) {
    this.t = new Transport(conn, opts);
  }

  async whoAmI(): Promise<{ name: string; anonymous: boolean; version: string | null }> {
    const spec = { method: 'GET', path: '/whoAmI/api/json' } as const;
    const reply = await this.t.call(spec);
    const body = parseJson<Json>(spec, reply);
    return { name: str(body.name) ?? '', anonymous: body.anonymous === true, version: reply.header('x-jenkins') };
  }

  /** Multibranch projects and standalone jobs, from one nested tree query over root and folders. */
  async listItems(): Promise<JenkinsItem[]> {
    const root = await this.getJson(`/${api(itemsTree())}`);
    const out: JenkinsItem[] = [];
    const walk = (jobs: unknown, parent: JobPath): void => {
      for (const j of list(jobs)) {
        const name = str(j.name);
        if (name === null) continue;
        const path = [...parent, name];
        const kind = kindOf(j._class);
        // Unknown classes that list children are folders of some plugin; recurse into them too.
        if (FOLDER_KINDS.has(kind) || (kind === 'other' && Array.isArray(j.jobs))) walk(j.jobs, path);
        else out.push({ path, fullName: path.join('/'), kind, description: str(j.description), url: str(j.url) ?? '' });
      }
    };
    walk(root.jobs, []);
    return out;
  }

  /** One request: description, and each branch job's colour and last build with its newest commit. */
  async getProject(path: JobPath): Promise<ProjectInfo> {
    const body = await this.getJson(jobUrlPath(path) + api(PROJECT_TREE));
    const kind = kindOf(body._class);
    const description = str(body.description);
    if (FOLDER_KINDS.has(kind)) return { description, kind, branches: [] };
    if (kind === 'multibranch' || Array.isArray(body.jobs)) {
      return { description, kind, branches: list(body.jobs).map((j) => toBranch(j, false)) };
    }
    return { description, kind, branches: [toBranch(body, true)] };
  }

  async getParameters(path: JobPath): Promise<ParamDef[]> {
    return toParamDefs(await this.getJson(jobUrlPath(path) + api(PARAMS_TREE)));
  }

  /**
   * Non-empty params → buildWithParameters (form-encoded); otherwise /build. A parameterized job
   * answers /build with 400 before queueing anything, so that case is resent to
   * buildWithParameters, which uses the defaults. Never retried after it may have reached Jenkins.
   */
  async trigger(path: JobPath, params?: Record<string, string | boolean> | null): Promise<{ queueId: number }> {
    const base = jobUrlPath(path);
    const entries = Object.entries(params ?? {});
    if (entries.length > 0) {
      const form = new URLSearchParams(entries.map(([k, v]) => [k, String(v)]));
      return queued(await this.t.call({ method: 'POST', path: `${base}buildWithParameters`, form }));
    }
    try {
      return queued(await this.t.call({ method: 'POST', path: `${base}build` }));
    } catch (e) {
      if (!(e instanceof JenkinsError) || e.status !== 400) throw e;
      return queued(await this.t.call({ method: 'POST', path: `${base}buildWithParameters` }));
    }
  }

  async getQueueItem(id: number): Promise<QueueInfo | null> {
    const body = await orNull(this.getJson(`/queue/item/${positive(id)}/${api(QUEUE_TREE)}`));
    return body && toQueueInfo(body);
  }

  /** POST /queue/cancelItem (204). 404 = unknown or expired; 500 = it already left the queue. */
  async cancelQueueItem(id: number): Promise<void> {
    await this.t.call({ method: 'POST', path: `/queue/cancelItem?id=${positive(id)}` });
  }

  /** Newest first; offset/limit map onto the allBuilds{M,N} range. */
  async listBuilds(path: JobPath, offset: number, limit: number): Promise<BuildSummary[]> {
    if (limit <= 0) return [];
    const body = await this.getJson(jobUrlPath(path) + api(buildsTree(positive(offset), positive(limit))));
    return list(body.allBuilds).map(toBuildSummary);
  }

  async getBuild(path: JobPath, n: number): Promise<BuildDetail | null> {
    const body = await orNull(this.getJson(buildUrlPath(path, n) + api(BUILD_TREE)));
    return body && toBuildDetail(body);
  }

  /** The log from byte `start`: notes stripped, CRLF → LF, ANSI kept. Poll with nextStart while more. */
  async progressiveText(path: JobPath, n: number, start: number): Promise<{ text: string; nextStart: number; more: boolean }> {
    const from = positive(start);
    const reply = await this.t.call({ method: 'GET', path: `${buildUrlPath(path, n)}logText/progressiveText?start=${from}` });
    const size = Number(reply.header('x-text-size'));
    const textSize = Number.isFinite(size) ? size : from + reply.data.length;
    // X-More-Data is "true" while the log may grow and absent (not "false") once complete.
    return cleanProgressiveChunk(reply.data, textSize, reply.header('x-more-data') === 'true');
  }

  /** The whole log so far (notes stripped by Jenkins, original line ends). The caller must consume it. */
  async consoleText(path: JobPath, n: number): Promise<Readable> {
    const reply = await this.t.call({ method: 'GET', path: `${buildUrlPath(path, n)}consoleText`, read: 'stream' });
    return reply.stream!;
  }

  /** One archived file; null when missing (or when the path tries to leave the artifact directory). */
  async artifact(path: JobPath, n: number, relativePath: string): Promise<ArtifactDownload | null> {
    const rel = artifactUrlPath(relativePath);
    if (rel === null) return null;
    const reply = await orNull(this.t.call({ method: 'GET', path: `${buildUrlPath(path, n)}artifact/${rel}`, read: 'stream' }));
    if (!reply) return null;
    const length = Number(reply.header('content-length') ?? NaN);
    return {
      contentType: reply.header('content-type') ?? 'application/octet-stream',
      contentLength: Number.isFinite(length) ? length : null,
      body: reply.stream!,
    };
  }

  /** Jenkins answers 302 also when the run already finished, so a resend is harmless. */
  async stop(path: JobPath, n: number): Promise<void> {
    await this.t.call({ method: 'POST', path: `${buildUrlPath(path, n)}stop`, idempotent: true });
  }

  /** Inputs the run waits for, from its InputAction (works without the Stage View plugin). */
  async pendingInputs(path: JobPath, n: number): Promise<PendingInput[]> {
    return toPendingInputs(await this.getJson(buildUrlPath(path, n) + api(INPUTS_TREE)));
  }

  /** proceed with parameters (json form field), else proceedEmpty. 404 = unknown or already answered. */
  async proceedInput(path: JobPath, n: number, inputId: string, params?: { name: string; value: unknown }[]): Promise<void> {
    const base = `${buildUrlPath(path, n)}input/${encodeURIComponent(inputId)}/`;
    if (params && params.length > 0) {
      const form = new URLSearchParams({ json: JSON.stringify({ parameter: params }) });
      await this.t.call({ method: 'POST', path: `${base}proceed`, form });
    } else {
      await this.t.call({ method: 'POST', path: `${base}proceedEmpty` });
    }
  }

  async abortInput(path: JobPath, n: number, inputId: string): Promise<void> {
    await this.t.call({ method: 'POST', path: `${buildUrlPath(path, n)}input/${encodeURIComponent(inputId)}/abort` });
  }

  breakerState(): BreakerState {
    return this.t.breaker.state();
  }

  close(): Promise<void> {
    return this.t.close();
  }

  private async getJson(path: string): Promise<Json> {
    const body = obj(await this.t.json<unknown>({ method: 'GET', path }));
    if (!body) throw new JenkinsError('http', `GET ${path.split('?', 1)[0]}: expected a JSON object`);
    return body;
  }
}

function queued(reply: Reply): { queueId: number } {
  const queueId = queueIdFromLocation(reply.header('location'));
  // A multibranch project or organization folder answers /build with 302: a scan, not a build.
  if (queueId === null || (reply.status !== 201 && reply.status !== 303)) {
    throw new JenkinsError('http', `Jenkins did not queue a build (HTTP ${reply.status})`, { status: reply.status });
  }
  return { queueId };
}

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof JenkinsError && e.kind === 'not-found') return null;
    throw e;
  }
}

function positive(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`Expected a non-negative integer, got ${n}`);
  return n;
}
