/**
 * The build queue (reference §7): Waiting (quiet period) → Blocked (non-concurrent job busy) →
 * Buildable (waiting for an executor) → Left with `executable: null` for a short window → Left with
 * the run. Left items stay readable for `queueRetentionMs` (Jenkins: 5 minutes), then 404.
 */
import type { Sim } from './context.js';
import type { Build, Cause, Job, ParamValue, QueueItem } from './model.js';
import { sameValues } from './params.js';
import { estimatedDuration } from './jobs.js';

export type Starter = (item: QueueItem) => Build;

export class Queue {
  readonly items = new Map<number, QueueItem>();
  private nextId = 1;
  /** While paused, buildable items wait for an executor forever (to observe the queue). */
  paused = false;
  /** While set, items that left the queue keep `executable: null` (the run is not created yet). */
  private startsHeld = false;
  private heldStarts: QueueItem[] = [];
  /** Items that left the queue and whose run does not exist yet. */
  private readonly starting = new Set<QueueItem>();
  /** Runs started through this queue that are still building (they occupy executors). */
  private readonly running = new Set<Build>();
  private starter: Starter | null = null;

  constructor(private readonly sim: Sim) {}

  /** An id for a run that never went through this queue (fixture history). */
  allocateId(): number {
    return this.nextId++;
  }

  setStarter(starter: Starter): void {
    this.starter = starter;
  }

  /** Queue.schedule2: a new item, or the existing one when an identical request is already queued. */
  schedule(job: Job, opts: { delayMs: number; causes: Cause[]; params: ParamValue[] | null }): { item: QueueItem; merged: boolean } {
    const existing = this.active().find((i) => i.job === job && sameValues(i.params, opts.params));
    if (existing) return { item: existing, merged: true };
    const now = this.sim.clock.now();
    const item: QueueItem = {
      id: this.nextId++,
      job,
      state: 'waiting',
      inQueueSince: now,
      runnableAt: now + this.sim.clock.scaled(opts.delayMs),
      buildableSince: null,
      causes: opts.causes,
      params: opts.params,
      cancelled: false,
      build: null,
      leftAt: null,
    };
    this.items.set(item.id, item);
    this.arm(item);
    this.maintain();
    return { item, merged: false };
  }

  /**
   * A timer for the end of the quiet period. Node timers may fire a millisecond before Date.now()
   * reaches the due time, so an item that is not due yet re-arms instead of waiting forever.
   */
  private arm(item: QueueItem): void {
    const wait = item.runnableAt - this.sim.clock.now();
    if (wait <= 0) return;
    this.sim.clock.afterReal(wait, () => {
      this.maintain();
      if (item.state === 'waiting') this.arm(item);
    });
  }

  /** Ends the quiet period of one waiting item (or all of them) now. */
  endQuietPeriod(id?: number): void {
    const now = this.sim.clock.now();
    for (const item of this.items.values()) if (item.state === 'waiting' && (id === undefined || item.id === id)) item.runnableAt = now;
    this.maintain();
  }

  /** An item by id; null when unknown or expired. */
  get(id: number): QueueItem | null {
    const item = this.items.get(id);
    if (!item) return null;
    if (this.expired(item)) {
      this.items.delete(id);
      return null;
    }
    return item;
  }

  private expired(item: QueueItem): boolean {
    return item.leftAt !== null && this.sim.clock.now() - item.leftAt > this.sim.opts.queueRetentionMs;
  }

  /** Items still in the queue (not left), newest first as Queue.getItems roughly orders them. */
  active(): QueueItem[] {
    const out: QueueItem[] = [];
    for (const item of this.items.values()) {
      if (item.state !== 'left') out.push(item);
      else if (this.expired(item)) this.items.delete(item.id);
    }
    return out.reverse();
  }

  itemFor(job: Job): QueueItem | null {
    return this.active().find((i) => i.job === job) ?? null;
  }

  /** Job.doCancelQueue's choice: the first waiting item of the job, else a blocked or buildable one. */
  firstItemOf(job: Job): QueueItem | null {
    const mine = this.active()
      .reverse()
      .filter((i) => i.job === job);
    const waiting = mine.filter((i) => i.state === 'waiting').sort((a, b) => a.runnableAt - b.runnableAt);
    return waiting[0] ?? mine[0] ?? null;
  }

  cancel(id: number): 'cancelled' | 'not-found' | 'left' {
    const item = this.get(id);
    if (!item) return 'not-found';
    if (item.state === 'left') return 'left';
    item.state = 'left';
    item.cancelled = true;
    item.leftAt = this.sim.clock.now();
    this.maintain();
    return 'cancelled';
  }

  /** Called by the run when it finishes: frees its executor and unblocks the job's next item. */
  buildFinished(b: Build): void {
    this.running.delete(b);
    this.maintain();
  }

  /** Holds (or releases) the creation of runs for items that leave the queue. */
  holdStarts(held: boolean): void {
    this.startsHeld = held;
    if (held) return;
    for (const item of this.heldStarts.splice(0)) this.begin(item);
  }

  private jobBusy(job: Job): boolean {
    if (job.builds.some((b) => b.building)) return true;
    for (const i of this.starting) if (i.job === job) return true;
    return false;
  }

  private freeExecutors(): number {
    let used = 0;
    for (const i of this.starting) if (i.job.kind === 'freestyle') used++;
    for (const b of this.running) if (b.job.kind === 'freestyle') used++;
    return this.sim.opts.executors - used;
  }

  /** Moves items along; called on timers, new items, cancellations and finished builds. */
  maintain(): void {
    const now = this.sim.clock.now();
    for (const item of this.items.values()) {
      if (item.state === 'waiting' && now >= item.runnableAt) {
        item.state = 'blocked';
        item.buildableSince = now;
      }
      if (item.state === 'blocked' || item.state === 'buildable') {
        item.state = !item.job.concurrentBuild && this.jobBusy(item.job) ? 'blocked' : 'buildable';
      }
    }
    if (this.paused) return;
    for (const item of [...this.items.values()]) {
      if (item.state !== 'buildable') continue;
      if (item.job.kind === 'freestyle' && this.freeExecutors() <= 0) continue;
      if (!item.job.concurrentBuild && this.jobBusy(item.job)) {
        item.state = 'blocked';
        continue;
      }
      this.leave(item);
    }
  }

  private leave(item: QueueItem): void {
    item.state = 'left';
    item.leftAt = this.sim.clock.now();
    this.starting.add(item);
    this.sim.clock.after(this.sim.opts.startGapMs, () => {
      if (this.startsHeld) this.heldStarts.push(item);
      else this.begin(item);
    });
  }

  private begin(item: QueueItem): void {
    if (!this.starter) return;
    const build = this.starter(item);
    this.starting.delete(item);
    item.build = build;
    if (build.building) this.running.add(build);
    this.maintain();
  }

  /** Queue.Item.getWhy for the current state. */
  why(item: QueueItem): string | null {
    switch (item.state) {
      case 'waiting': {
        const secs = Math.max(0, item.runnableAt - this.sim.clock.now()) / 1000;
        return `In the quiet period. Expires in ${secs.toFixed(1)} sec`;
      }
      case 'blocked': {
        const running = item.job.builds.find((b) => b.building);
        if (!running) return 'Waiting for the previous build to start';
        const est = estimatedDuration(item.job);
        const eta = est < 0 ? 'N/A' : `${Math.max(0, Math.round((running.timestamp + est - this.sim.clock.now()) / 1000))} sec`;
        return `Build #${running.number} is already in progress (ETA: ${eta})`; // ETA suffix format [unconfirmed]
      }
      case 'buildable':
        return 'Waiting for next available executor';
      default:
        return null;
    }
  }
}
