import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { loadPg } from '../db/db.js';

/**
 * Events between modules and between instances. In SQLite mode there is one process, so an
 * in-process emitter is enough; in PostgreSQL mode every publish also goes out as NOTIFY so the
 * other instances hear it. Payloads are small (ids, counters), never bulk text.
 */
export type EventHandler = (payload: Record<string, unknown>) => void;

export interface EventBus {
  publish(topic: string, payload: Record<string, unknown>): Promise<void>;
  subscribe(topic: string, handler: EventHandler): () => void;
  health(): { ok: boolean; detail?: string };
  close(): Promise<void>;
}

/**
 * Delivered locally after the bus lost and regained its connection: events other instances
 * published in between were missed, so live views should refetch (as after a `{"gap": true}`).
 */
export const BUS_RECONNECTED = 'events.reconnected';

export class LocalEventBus implements EventBus {
  protected readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  async publish(topic: string, payload: Record<string, unknown>): Promise<void> {
    this.deliver(topic, payload);
  }
  protected deliver(topic: string, payload: Record<string, unknown>): void {
    for (const h of this.emitter.listeners(topic) as EventHandler[]) {
      try {
        h(payload);
      } catch {
        // A subscriber's bug must not stop delivery to the others.
      }
    }
  }
  subscribe(topic: string, handler: EventHandler): () => void {
    this.emitter.on(topic, handler);
    return () => this.emitter.off(topic, handler);
  }
  health(): { ok: boolean; detail?: string } {
    return { ok: true };
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

const CHANNEL = 'gatehouse_events';
/** NOTIFY payloads must stay under 8000 bytes; larger events are delivered on this instance only. */
const MAX_NOTIFY_BYTES = 7900;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;

type Logger = { error: (obj: object, msg: string) => void };

/**
 * PostgreSQL LISTEN/NOTIFY. One dedicated connection listens; publishing goes through the shared
 * pool when one is given (so a broken listener does not stop this instance from publishing).
 * Each instance tags what it sends and ignores its own echo, so a publisher hears its event once,
 * locally and at once. A lost listener reconnects with capped backoff and then announces
 * BUS_RECONNECTED locally.
 */
export class PgEventBus extends LocalEventBus {
  private client?: pg.Client;
  private readonly instance = randomUUID();
  private closed = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private problem?: string;
  /** The backend pid of the listening connection (operators and tests). */
  listenerPid?: number;

  constructor(
    private readonly connectionString: string,

    private readonly opts: { db?: Kysely<any>; log?: Logger } = {},
  ) {
    super();
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new (loadPg().Client)({ connectionString: this.connectionString });
    const lost = (e?: Error) => this.lost(client, e);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const { from, topic, payload } = JSON.parse(msg.payload) as { from: string; topic: string; payload: Record<string, unknown> };
        if (from !== this.instance && typeof topic === 'string') this.deliver(topic, payload ?? {});
      } catch {
        // Ignore a malformed notification from a foreign sender.
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listenerPid = ((await client.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
    } catch (e) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    this.problem = undefined;
  }

  private lost(client: pg.Client, e?: Error): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    this.listenerPid = undefined;
    this.problem = `listener connection lost${e ? `: ${e.message}` : ''}; reconnecting`;
    this.opts.log?.error({ err: e }, 'event bus lost its PostgreSQL connection');
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => this.deliver(BUS_RECONNECTED, {}),
        (e: unknown) => {
          this.problem = `cannot reconnect: ${(e as Error).message}`;
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          this.reconnectLater();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }

  override async publish(topic: string, payload: Record<string, unknown>): Promise<void> {
    this.deliver(topic, payload);
    const body = JSON.stringify({ from: this.instance, topic, payload });
    if (Buffer.byteLength(body) > MAX_NOTIFY_BYTES) {
      this.opts.log?.error({ topic, bytes: Buffer.byteLength(body) }, 'event too large for NOTIFY; delivered on this instance only');
      return;
    }
    try {
      if (this.opts.db) await sql`select pg_notify(${CHANNEL}, ${body})`.execute(this.opts.db);
      else if (this.client) await this.client.query('select pg_notify($1, $2)', [CHANNEL, body]);
    } catch (e) {
      // Publishing is best effort: the state change is already stored; other instances catch up on refetch.
      this.opts.log?.error({ err: e, topic }, 'could not publish an event to other instances');
    }
  }

  override health(): { ok: boolean; detail?: string } {
    return { ok: !this.problem, detail: this.problem };
  }

  override async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await super.close();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
