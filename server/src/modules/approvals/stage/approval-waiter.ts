import type { AppContext } from '../../../core/context.js';
import { BUS_RECONNECTED } from '../../../core/events/event-bus.js';
import type { Approval, Approvals } from './stage-deps.js';

const TOPIC = 'approvals';
/** Events can be lost (a bus reconnect we did not hear, another instance's NOTIFY too large): look again this often. */
const SAFETY_CHECK_MS = 30_000;

export type WaitEnd = { kind: 'decided' | 'held-too-long'; approval: Approval } | { kind: 'closed' };

/**
 * Holds wait=true requests open until their approval leaves `pending`: it listens on the
 * `approvals` event topic and reads the approval only when an event names it (plus a slow safety
 * check), never by polling in a loop. `close()` ends every wait at shutdown.
 */
export class ApprovalWaiter {
  private readonly active = new Set<() => void>();

  constructor(
    private readonly ctx: AppContext,
    private readonly approvals: Approvals,
  ) {}

  wait(id: number, maxMs: number, signal?: AbortSignal): Promise<WaitEnd> {
    return new Promise<WaitEnd>((resolve) => {
      let done = false;
      const unsubs: Array<() => void> = [];
      const timers: NodeJS.Timeout[] = [];
      const finish = (end: WaitEnd) => {
        if (done) return;
        done = true;
        for (const u of unsubs) u();
        for (const t of timers) clearTimeout(t);
        this.active.delete(stop);
        signal?.removeEventListener('abort', stop);
        resolve(end);
      };
      const stop = () => finish({ kind: 'closed' });
      const check = async (final: boolean) => {
        if (done) return;
        try {
          const a = await this.approvals.get(id);
          if (a && a.status !== 'pending') finish({ kind: 'decided', approval: a });
          else if (final && a) finish({ kind: 'held-too-long', approval: a });
          else if (!a) stop();
        } catch (e) {
          this.ctx.log.warn({ err: e, approval: id }, 'could not read an approval a pipeline waits for');
          if (final) stop();
        }
      };
      // Subscribe first, then read: a decision between the two is never missed.
      unsubs.push(
        this.ctx.events.subscribe(TOPIC, (e) => {
          if (Number(e.id) === id && e.status !== 'pending') void check(false);
        }),
        this.ctx.events.subscribe(BUS_RECONNECTED, () => void check(false)),
      );
      this.active.add(stop);
      signal?.addEventListener('abort', stop, { once: true });
      const safety = setInterval(() => void check(false), SAFETY_CHECK_MS);
      safety.unref();
      timers.push(
        safety,
        setTimeout(() => void check(true), Math.max(0, maxMs)),
      );
      void check(false);
    });
  }

  /** How many pipelines are waiting right now (status page). */
  count(): number {
    return this.active.size;
  }

  close(): void {
    for (const stop of [...this.active]) stop();
  }
}
