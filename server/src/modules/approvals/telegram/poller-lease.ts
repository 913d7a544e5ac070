import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock.js';

interface LeaseTables {
  approvals_telegram_poller: { id: number; holder: string; expires_at: string };
}

export const LEASE_MS = 60_000;

/**
 * Which instance long-polls Telegram. Telegram ends a poll with 409 when another one starts, so
 * two instances polling one token would knock each other out in turn; the holder of this row
 * polls, the others stand by and take over when its lease runs out (it renews well before).
 */
export class PollerLease {
  readonly holder = randomUUID();

  constructor(
    private readonly db: Kysely<LeaseTables>,
    private readonly clock: Clock,
  ) {}

  /** Take or renew the lease; true while this instance holds it. */
  async acquire(): Promise<boolean> {
    const now = this.clock.now();
    const expires = new Date(now.getTime() + LEASE_MS).toISOString();
    await this.db
      .insertInto('approvals_telegram_poller')
      .values({ id: 1, holder: this.holder, expires_at: expires })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const r = await this.db
      .updateTable('approvals_telegram_poller')
      .set({ holder: this.holder, expires_at: expires })
      .where('id', '=', 1)
      .where((eb) => eb.or([eb('holder', '=', this.holder), eb('expires_at', '<', now.toISOString())]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Let another instance take over at once (a clean stop). */
  async release(): Promise<void> {
    await this.db
      .updateTable('approvals_telegram_poller')
      .set({ expires_at: new Date(0).toISOString() })
      .where('id', '=', 1)
      .where('holder', '=', this.holder)
      .execute();
  }
}
