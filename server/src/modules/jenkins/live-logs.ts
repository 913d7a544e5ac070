import { AppError } from '../../core/http/errors.js';
import type { Subscriber, TopicHandler } from '../../core/live/live-hub.js';
import { JenkinsError, type JenkinsClient, type JobPath } from './client/index.js';
import type { BuildsService } from './builds.service.js';

export const LOG_TOPIC = 'build-log:';
const KEEP_BYTES = 8 << 20;
const GRACE_MS = 60_000;

interface Chunk {
  start: number;
  nextStart: number;
  text: string;
}

/** `build-log:<project>/<branch>/<n>` with project and branch URI-encoded. */
export function parseLogTopic(topic: string): { project: string; branch: string; number: number } | null {
  const m = /^build-log:([^/]+)\/([^/]+)\/(\d{1,9})$/.exec(topic);
  if (!m) return null;
  try {
    return { project: decodeURIComponent(m[1]), branch: decodeURIComponent(m[2]), number: Number(m[3]) };
  } catch {
    return null;
  }
}

/**
 * One poller per running build, however many people watch it: it asks Jenkins for the log from its
 * offset every `pollMs`, keeps what it read (bounded) for late joiners, and fans each new chunk out
 * to the subscribers. Failures are reported to viewers and retried; the loop never throws.
 */
class LogPump {
  readonly subs = new Map<Subscriber, string>();
  private readonly chunks: Chunk[] = [];
  private kept = 0;
  private offset = 0;
  private done = false;
  private end: Record<string, unknown> | null = null;
  private timer: NodeJS.Timeout | null = null;
  // A request to Jenkins is on its way: `timer` is null then, but the loop is alive.
  private inFlight = false;
  private failures = 0;
  private idleSince = 0;

  constructor(
    private readonly client: JenkinsClient,
    private readonly path: JobPath,
    private readonly number: number,
    private readonly pollMs: number,
    private readonly onIdle: () => void,
  ) {}

  join(sub: Subscriber, topic: string, from: number): void {
    this.subs.set(sub, topic);
    for (const c of this.chunks) if (c.nextStart > from) sub.send(topic, { type: 'log', ...c });
    if (this.end) sub.send(topic, this.end);
    // One poll loop per build: a viewer joining while a poll is in flight must not start a second one.
    if (!this.timer && !this.inFlight && !this.done) this.schedule(0);
  }

  leave(sub: Subscriber): void {
    this.subs.delete(sub);
    if (!this.subs.size) this.idleSince = Date.now();
  }

  private broadcast(frame: Record<string, unknown>): void {
    for (const [sub, topic] of this.subs) sub.send(topic, frame);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = null;
    if (!this.subs.size && Date.now() - this.idleSince > GRACE_MS) return this.onIdle();
    this.inFlight = true;
    try {
      const r = await this.client.progressiveText(this.path, this.number, this.offset);
      this.failures = 0;
      if (r.text || r.nextStart !== this.offset) this.append({ start: this.offset, nextStart: r.nextStart, text: r.text });
      this.offset = r.nextStart;
      if (!r.more) return await this.finish();
      this.schedule(this.pollMs);
    } catch (e) {
      if (e instanceof JenkinsError && e.kind === 'not-found') {
        this.done = true;
        this.end = { type: 'error', code: 'BUILD_NOT_FOUND', message: 'Jenkins has no such build.' };
        this.broadcast(this.end);
        return this.retire();
      }
      this.failures++;
      if (this.failures === 1)
        this.broadcast({ type: 'error', code: 'JENKINS_UNAVAILABLE', message: 'Jenkins is not answering; the log resumes when it does.' });
      this.schedule(Math.min(this.pollMs * 2 ** this.failures, 30_000));
    } finally {
      this.inFlight = false;
    }
  }

  private append(c: Chunk): void {
    this.chunks.push(c);
    this.kept += c.text.length;
    while (this.kept > KEEP_BYTES && this.chunks.length > 1) this.kept -= this.chunks.shift()!.text.length;
    this.broadcast({ type: 'log', ...c });
  }

  private async finish(): Promise<void> {
    this.done = true;
    const b = await this.client.getBuild(this.path, this.number).catch(() => null);
    this.end = { type: 'end', result: b?.result ?? null, durationMs: b?.durationMs ?? null, nextStart: this.offset };
    this.broadcast(this.end);
    this.retire();
  }

  /** Keep the finished log a while for late viewers, then let it go. */
  private retire(): void {
    const t = setTimeout(() => (this.subs.size ? this.retire() : this.onIdle()), GRACE_MS);
    t.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class LiveLogs implements TopicHandler {
  private readonly pumps = new Map<string, LogPump>();

  constructor(
    private readonly builds: BuildsService,
    private readonly pollMs: () => number,
  ) {}

  async subscribe(sub: Subscriber, topic: string, from: number | undefined): Promise<() => void> {
    const t = parseLogTopic(topic);
    if (!t)
      throw new AppError('UNKNOWN_TOPIC', 400, 'Build log topics look like build-log:<project>/<branch>/<number>, names URI-encoded.');
    const actor = { userId: sub.principal.userId, username: sub.principal.username };
    const target = await this.builds.target(actor, t.project, t.branch, 'view');
    const key = `${target.project.server_id}|${target.path.join('/')}|${t.number}`;
    let pump = this.pumps.get(key);
    if (!pump) {
      pump = new LogPump(target.client, target.path, t.number, this.pollMs(), () => {
        this.pumps.get(key)?.stop();
        this.pumps.delete(key);
      });
      this.pumps.set(key, pump);
    }
    pump.join(sub, topic, from ?? 0);
    const p = pump;
    return () => p.leave(sub);
  }

  /** How many builds are being polled (health, tests). */
  active(): number {
    return this.pumps.size;
  }

  close(): void {
    for (const p of this.pumps.values()) p.stop();
    this.pumps.clear();
  }
}
