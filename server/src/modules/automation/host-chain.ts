import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import { InvalidPrivateKey, JumpChainDuplicate, JumpChainTooLong, JumpHostNotFound, JumpHostProject } from './automation.errors.js';
import type { AutomationTables, JumpHostRow, TargetRow } from './automation.types.js';
import * as repo from './hosts.repo.js';
import type { KeyPairService } from './key-pair.service.js';
import { privateKeyProblem, type Chain, type Hop } from './ssh-link.js';

export const MAX_JUMPS = 5;

/** Check an uploaded private key and seal it; the plain text is never stored. */
export function sealPrivateKey(ctx: AppContext, text: string): string {
  const problem = privateKeyProblem(text);
  if (problem) throw new InvalidPrivateKey({ reason: problem });
  return ctx.secrets.seal(text);
}

/**
 * A target's chain: at most 5 jump hosts, each once, each existing and either global or in the
 * target's project. Returns the rows in chain order.
 */
export async function validateChain(db: Db<AutomationTables>, project: string, ids: number[]): Promise<JumpHostRow[]> {
  if (ids.length > MAX_JUMPS) throw new JumpChainTooLong({ max: MAX_JUMPS, given: ids.length });
  if (new Set(ids).size !== ids.length) throw new JumpChainDuplicate({ jumpHostIds: ids });
  const rows = new Map((await repo.findJumpHosts(db, ids)).map((r) => [r.id, r]));
  return ids.map((id) => {
    const row = rows.get(id);
    // One in a project the caller does not work in is reported as missing, not described.
    if (!row) throw new JumpHostNotFound({ id });
    if (row.project !== null && row.project !== project) throw new JumpHostProject({ id, project: row.project });
    return row;
  });
}

/** How to log in to one host: its uploaded key, or Gatehouse's own. */
async function hopOf(
  ctx: AppContext,
  keys: KeyPairService,
  h: Pick<TargetRow, 'host' | 'port' | 'username' | 'auth_method' | 'private_key_enc' | 'host_fingerprint'>,
): Promise<Hop> {
  const privateKey = h.auth_method === 'private-key' && h.private_key_enc ? ctx.secrets.open(h.private_key_enc) : await keys.privateKey();
  return { host: h.host, port: h.port, username: h.username, privateKey, pinnedFingerprint: h.host_fingerprint };
}

/** Everything the SSH engine needs to reach a target: its hop and the jump hosts' hops in order. */
export async function chainOf(ctx: AppContext, keys: KeyPairService, target: TargetRow, jumps: JumpHostRow[]): Promise<Chain> {
  return { target: await hopOf(ctx, keys, target), jumps: await Promise.all(jumps.map((j) => hopOf(ctx, keys, j))) };
}

/** The jump host rows of a stored chain, in order (missing ones are skipped: deletion is refused while used). */
export async function jumpsOf(db: Db<AutomationTables>, target: TargetRow): Promise<JumpHostRow[]> {
  const ids = JSON.parse(target.jump_host_ids) as number[];
  const rows = new Map((await repo.findJumpHosts(db, ids)).map((r) => [r.id, r]));
  return ids.map((id) => rows.get(id)).filter((r): r is JumpHostRow => !!r);
}
