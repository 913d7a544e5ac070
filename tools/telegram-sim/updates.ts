/**
 * The per-bot update queue and getUpdates semantics of reference §4.2: sequential update_ids from
 * a random start, offset confirmation, one parked long poll at a time (a newer poll ends the older
 * with 409), allowed_updates applied when an update is queued.
 */
import { ApiError, E } from './errors.js';
import type { Update } from './types.js';

const NOT_BY_DEFAULT = ['chat_member', 'message_reaction', 'message_reaction_count'];
const MAX_QUEUE = 100_000;

export type PollOutcome = Update[] | ApiError | null;

interface Waiter {
  limit: number;
  timer: NodeJS.Timeout;
  finish(outcome: PollOutcome): void;
}

export class Updates {
  pending: Update[] = [];
  nextId: number;
  /** null = the default set (omitted or []). */
  allowed: string[] | null = null;
  private waiter: Waiter | null = null;
  private lastPoll: { offset: number; at: number } | null = null;
  /** Called after an update was queued (webhook delivery hooks in here). */
  onQueued: () => void = () => {};

  constructor(
    firstId: number,
    private readonly antiBusyLoop: boolean,
  ) {
    this.nextId = firstId;
  }

  accepts(type: string): boolean {
    return this.allowed && this.allowed.length ? this.allowed.includes(type) : !NOT_BY_DEFAULT.includes(type);
  }

  setAllowed(list: unknown): void {
    if (Array.isArray(list)) this.allowed = list.length ? list.map(String) : null;
  }

  /** Assigns the next update_id; the update is queued only if its type is allowed. */
  push(body: Omit<Update, 'update_id'>): Update {
    const update = { update_id: this.nextId++, ...body } as Update;
    if (!this.accepts(Object.keys(body)[0] ?? '')) return update;
    this.pending.push(update);
    if (this.pending.length > MAX_QUEUE) this.pending.shift();
    if (this.waiter) this.waiter.finish(this.pending.slice(0, this.waiter.limit));
    this.onQueued();
    return update;
  }

  /** Confirms by offset and returns up to `limit` pending updates. */
  take(offset: number, limit: number): Update[] {
    if (offset < 0) this.pending = this.pending.slice(Math.max(0, this.pending.length + offset));
    else if (offset > 0 && offset <= this.nextId - 1 + 10) this.pending = this.pending.filter((u) => u.update_id >= offset);
    return this.pending.slice(0, limit);
  }

  /**
   * getUpdates: answers at once when updates are pending or timeout is 0, else parks until an
   * update arrives, the timeout passes, a newer poll or setWebhook ends it, or the client leaves
   * (`onClose`, answered with null = no reply).
   */
  poll(offset: number, limit: number, timeout: number, onClose: (cb: () => void) => void): Promise<PollOutcome> {
    this.terminate(E.otherGetUpdates());
    if (this.antiBusyLoop && this.lastPoll?.offset === offset) {
      const since = Date.now() - this.lastPoll.at;
      if (since < 3000 && timeout < 3) timeout = 3;
      if (since < 500) limit = 1;
    }
    this.lastPoll = { offset, at: Date.now() };
    const ready = this.take(offset, limit);
    if (ready.length || timeout <= 0) return Promise.resolve(ready);
    return new Promise<PollOutcome>((resolve) => {
      const w: Waiter = {
        limit,
        timer: setTimeout(() => w.finish([]), timeout * 1000),
        finish: (outcome) => {
          clearTimeout(w.timer);
          if (this.waiter === w) this.waiter = null;
          resolve(outcome);
        },
      };
      this.waiter = w;
      onClose(() => w.finish(null));
    });
  }

  /** Ends a parked poll with this error (newer getUpdates, setWebhook) or [] (shutdown). */
  terminate(outcome: ApiError | Update[]): void {
    this.waiter?.finish(outcome);
  }

  get parked(): boolean {
    return this.waiter !== null;
  }

  clear(): void {
    this.pending = [];
  }
}
