import type { Resource } from '../../core/http/principal.js';
import type { IdentityService } from '../identity/index.js';
import { scopeMatches, type AccessPolicy, type CompiledGrant } from './access-policy.js';
import { permissionCovers } from './patterns.js';

const describe = (g: CompiledGrant) => ({
  id: g.id,
  via: g.via,
  role: g.role,
  permission: g.permission,
  project: g.project,
  branch: g.branch,
  environment: g.environment,
});

/** Which grant lets a user do something, or why nothing does — for admins and for support. */
export async function explain(policy: AccessPolicy, identity: IdentityService, userId: number, permission: string, resource: Resource) {
  const all = await policy.grantsOf(userId);
  const giving = all.filter((g) => permissionCovers(g.permissions, permission));
  const match = giving.find((g) => scopeMatches(g, resource));
  const groups = new Map(
    (await identity.getGroupsByIds(all.filter((g) => g.via === 'group').map((g) => g.subjectId))).map((g) => [g.id, g.name]),
  );
  const withGroup = (g: CompiledGrant) => ({ ...describe(g), groupName: g.via === 'group' ? (groups.get(g.subjectId) ?? null) : null });
  if (match) {
    const via = match.via === 'group' ? ` through group ${groups.get(match.subjectId)}` : '';
    return {
      allowed: true,
      permission,
      resource,
      grant: withGroup(match),
      nearest: [],
      reason: `Grant #${match.id}${match.role ? ` (role ${match.role})` : ''}${via} covers it.`,
    };
  }
  const reason = giving.length
    ? `Grants give ${permission}, but none covers ${JSON.stringify(resource)}; a part that is not asked is matched only by '*'.`
    : `No grant gives ${permission}${all.length ? '' : ' (the user has no grants at all)'}.`;
  return { allowed: false, permission, resource, nearest: giving.slice(0, 10).map(withGroup), reason };
}
