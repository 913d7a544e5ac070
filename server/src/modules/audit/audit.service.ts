import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { Db, Dialect } from '../../core/db/db.js';
import * as repo from './audit.repo.js';
import { chainHash, GENESIS_HASH } from './audit.chain.js';
import { toAuditEvent, type AuditEvent, type AuditFilter, type AuditInput, type AuditTables } from './audit.types.js';

// Key names whose values never belong in the trail (passwd, passphrase, apiKey, Authorization…).
const SECRET_KEY = /pass(word|wd|phrase)?|secret|token|otp|private|credential|recovery|api[-_]?key|authorization|cookie/i;

/** Copy details with anything that looks like a secret replaced by "***". */
export function maskSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_KEY.test(k) ? '***' : maskSecrets(x)]));
  }
  return v;
}

// Any constant will do; it only has to be the same in every instance.
const AUDIT_LOCK_KEY = 746_372_001;

export class AuditService {
  constructor(
    private readonly db: Db<AuditTables>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
  ) {}

  /**
   * Append one event. Pass the caller's transaction so the event commits or rolls back with the
   * change it describes. On PostgreSQL a transaction-scoped advisory lock orders concurrent
   * writers, so the chain stays linear across instances.
   */
  async record(trx: Db, input: AuditInput): Promise<number> {
    if (!trx.isTransaction) return trx.transaction().execute((t) => this.record(t, input));
    const db = trx as Db<AuditTables>;
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(db);
    const prev = (await repo.lastHash(db)) ?? GENESIS_HASH;
    const row = {
      user_id: input.actor.userId ?? null,
      username: input.actor.username ?? null,
      action: input.action,
      resource_type: input.resourceType ?? null,
      resource_id: input.resourceId === undefined ? null : String(input.resourceId),
      project: input.project ?? null,
      outcome: input.outcome ?? 'success',
      details: input.details ? JSON.stringify(maskSecrets(input.details)) : null,
      ip_address: input.actor.ip ?? null,
      user_agent: input.actor.userAgent ?? null,
      created_at: this.clock.now().toISOString(),
    };
    return repo.insertEvent(db, { ...row, prev_hash: prev, hash: chainHash(prev, row) });
  }

  async list(filter: AuditFilter, limit: number, offset: number): Promise<{ items: AuditEvent[]; total: number }> {
    const { rows, total } = await repo.findEvents(this.db, filter, limit, offset);
    return { items: rows.map(toAuditEvent), total };
  }

  /** Recompute the chain; reports the first event whose stored hash does not follow. */
  async verify(): Promise<{ ok: boolean; checked: number; brokenAt?: number; reason?: string }> {
    let prev = GENESIS_HASH;
    let checked = 0;
    for await (const r of repo.allEventsInOrder(this.db)) {
      if (r.prev_hash !== prev)
        return { ok: false, checked, brokenAt: r.id, reason: 'previous hash does not match (a row was removed or reordered)' };
      const { id: _id, hash, prev_hash: _p, ...rest } = r;
      if (chainHash(prev, rest) !== hash) return { ok: false, checked, brokenAt: r.id, reason: 'the row was changed after it was written' };
      prev = hash;
      checked++;
    }
    return { ok: true, checked };
  }

  /** Filtered events as CSV, newest first, at most `max` rows. */
  async exportCsv(filter: AuditFilter, max = 100_000): Promise<string> {
    const { items } = await this.list(filter, max, 0);
    const head = [
      'id',
      'created_at',
      'username',
      'user_id',
      'action',
      'outcome',
      'resource_type',
      'resource_id',
      'project',
      'ip_address',
      'user_agent',
      'details',
    ];
    const lines = items.map((e) =>
      [
        e.id,
        e.createdAt,
        e.username,
        e.userId,
        e.action,
        e.outcome,
        e.resourceType,
        e.resourceId,
        e.project,
        e.ipAddress,
        e.userAgent,
        e.details ? JSON.stringify(e.details) : '',
      ]
        .map(csvCell)
        .join(','),
    );
    return [head.join(','), ...lines].join('\r\n') + '\r\n';
  }
}

/** Quote a CSV cell, and defuse spreadsheet formulas (=, +, -, @) that a user could have typed. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
