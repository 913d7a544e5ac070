import { createHash } from 'node:crypto';
import type { AuditEventRow } from './audit.types.js';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of one event covers the previous event's hash and every stored field, so editing,
 * deleting or reordering a row breaks the chain from that row on.
 */
export function chainHash(prevHash: string, r: Omit<AuditEventRow, 'id' | 'hash' | 'prev_hash'>): string {
  const canonical = JSON.stringify([
    r.user_id,
    r.username,
    r.action,
    r.resource_type,
    r.resource_id,
    r.project,
    r.outcome,
    r.details,
    r.ip_address,
    r.user_agent,
    r.created_at,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
