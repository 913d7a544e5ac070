import type { AppContext } from '../../core/context.js';
import { AuditService } from './audit.service.js';
import { auditRoutes } from './audit.routes.js';

export { AuditService, maskSecrets, csvCell } from './audit.service.js';
export type { AuditInput, AuditActor, AuditEvent, AuditOutcome } from './audit.types.js';

export function createAuditModule(ctx: AppContext) {
  ctx.permissions.declare({
    code: 'audit.read',
    module: 'audit',
    description: 'Read and export the audit trail',
    descriptionZh: '查看与导出审计日志',
    scoped: false,
  });
  const service = new AuditService(ctx.db, ctx.dialect, ctx.clock);
  return { service, routes: auditRoutes(service) };
}
export type AuditModule = ReturnType<typeof createAuditModule>;
