import { AppError, Forbidden, NotFound } from '../http/errors.js';
import type { Principal } from '../http/principal.js';
import type { EventBus } from '../events/event-bus.js';
import type { Subscriber, TopicHandler } from '../live/live-hub.js';
import { RUN_LOG_EVENT, RUN_UPDATED_EVENT, type RunStore } from './run-store.js';
import type { Run } from './runs.types.js';

export type RunAuthorizer = (principal: Principal, run: Run) => Promise<boolean>;

/**
 * The `run:<id>` topic: a viewer gets the log after its offset (`from`, a chunk id), then every new
 * chunk as it is written, and a `status` frame whenever the run or a target changes. Who may watch
 * is decided by the module that owns the run's kind.
 */
export class RunTopic implements TopicHandler {
  private readonly authorizers = new Map<string, RunAuthorizer>();

  constructor(
    private readonly runs: RunStore,
    private readonly events: EventBus,
  ) {}

  authorize(kind: string, fn: RunAuthorizer): void {
    this.authorizers.set(kind, fn);
  }

  async canView(principal: Principal, run: Run): Promise<boolean> {
    const fn = this.authorizers.get(run.kind);
    return fn ? fn(principal, run) : false;
  }

  async subscribe(sub: Subscriber, topic: string, from: number | undefined): Promise<() => void> {
    const m = /^run:(\d{1,10})$/.exec(topic);
    if (!m) throw new AppError('UNKNOWN_TOPIC', 400, 'Run topics look like run:<id>.');
    const runId = Number(m[1]);
    const run = await this.runs.get(runId);
    if (!run || !(await this.canView(sub.principal, run))) {
      if (run) throw new Forbidden({ runId });
      throw new NotFound({ runId }, 'No such run.');
    }
    let offset = from ?? 0;
    let reading = Promise.resolve();
    const readOn = () => {
      reading = reading.then(async () => {
        for (;;) {
          const { chunks, next } = await this.runs.readLog(runId, offset, 1000);
          if (!chunks.length) return;
          offset = next;
          sub.send(topic, { type: 'log', chunks, next });
          if (chunks.length < 1000) return;
        }
      });
      return reading;
    };
    const status = async () => {
      const r = await this.runs.get(runId);
      if (r) sub.send(topic, { type: 'status', run: r });
    };
    sub.send(topic, { type: 'status', run });
    await readOn();
    const offLog = this.events.subscribe(RUN_LOG_EVENT, (e) => {
      if (Number(e.runId) === runId) void readOn().catch(() => undefined);
    });
    const offStatus = this.events.subscribe(RUN_UPDATED_EVENT, (e) => {
      if (Number(e.runId) === runId)
        void readOn()
          .then(status)
          .catch(() => undefined);
    });
    return () => {
      offLog();
      offStatus();
    };
  }
}
