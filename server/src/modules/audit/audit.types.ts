/** Row as stored, domain shape as returned, and the input a module records. */
export interface AuditEventRow {
  id: number;
  user_id: number | null;
  username: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  project: string | null;
  outcome: string;
  details: string | null;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
  prev_hash: string;
  hash: string;
}
export interface AuditTables {
  audit_events: AuditEventRow;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditActor {
  userId?: number | null;
  username?: string | null;
  ip?: string;
  userAgent?: string;
}

export interface AuditInput {
  actor: AuditActor;
  action: string;
  resourceType?: string;
  resourceId?: string | number;
  project?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  id: number;
  userId: number | null;
  username: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  project: string | null;
  outcome: string;
  details: Record<string, unknown> | null;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: string;
  hash: string;
}

export interface AuditFilter {
  from?: string;
  to?: string;
  action?: string;
  user?: string;
  project?: string;
  outcome?: string;
}

export const toAuditEvent = (r: AuditEventRow): AuditEvent => ({
  id: r.id,
  userId: r.user_id,
  username: r.username,
  action: r.action,
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  project: r.project,
  outcome: r.outcome,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  ipAddress: r.ip_address,
  userAgent: r.user_agent,
  createdAt: r.created_at,
  hash: r.hash,
});
