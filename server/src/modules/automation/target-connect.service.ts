import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { AuditService } from '../audit/index.js';
import { KeyInstallFailed } from './automation.errors.js';
import type { Actor, AutomationTables, CheckStatus, JumpHostRow, TargetRow } from './automation.types.js';
import { chainOf, jumpsOf } from './host-chain.js';
import * as repo from './hosts.repo.js';
import type { KeyPairService } from './key-pair.service.js';
import { check, install, type Chain, type CheckOutcome } from './ssh-link.js';

export interface CheckResult {
  status: CheckStatus;
  message: string;
  at: string;
  fingerprint: string | null;
}

const RES = 'automation-target';
const clip = (s: string) => (s.length > 1000 ? s.slice(0, 1000) + '…' : s);

/**
 * Talking to a target outside a run: a check (reachable / auth-failed / unreachable /
 * host-key-changed / timeout), accepting a changed host key, and installing Gatehouse's public key
 * with a one-time password. Host keys are pinned on first contact.
 */
export class TargetConnect {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly keys: KeyPairService,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  /** The SSH engine's view of a stored target: its hop and its jump hosts' hops (for runs too). */
  async chain(target: TargetRow): Promise<Chain> {
    return chainOf(this.ctx, this.keys, target, await jumpsOf(this.db, target));
  }

  async check(actor: Actor, target: TargetRow): Promise<CheckResult> {
    const jumps = await jumpsOf(this.db, target);
    let outcome: CheckOutcome;
    try {
      outcome = await check(await chainOf(this.ctx, this.keys, target, jumps));
    } catch (e) {
      // The engine answers with a status; a throw is still a failed check, never a 500.
      outcome = { status: 'unreachable', message: (e as Error).message, fingerprint: null, jumpFingerprints: [] };
    }
    const at = this.ctx.clock.now().toISOString();
    const message = clip(outcome.message);
    // The host presented its key before authentication, so an auth failure still pins it.
    const pinnable =
      !target.host_fingerprint && outcome.fingerprint && (outcome.status === 'reachable' || outcome.status === 'auth-failed');
    await this.db.transaction().execute(async (trx) => {
      await repo.updateTarget(trx, target.id, { last_check_status: outcome.status, last_check_at: at, last_check_message: message });
      const pinned = pinnable ? await repo.pinHostKey(trx, 'automation_targets', target.id, outcome.fingerprint!) : false;
      const jumpPins = await this.pinJumps(trx, jumps, outcome.jumpFingerprints);
      await this.audit.record(trx, {
        actor,
        action: 'automation.target.check',
        resourceType: RES,
        resourceId: target.id,
        project: target.project,
        outcome: outcome.status === 'reachable' ? 'success' : 'failure',
        details: {
          status: outcome.status,
          ...(pinned ? { pinnedFingerprint: outcome.fingerprint } : {}),
          ...(jumpPins.length ? { pinnedJumpHosts: jumpPins } : {}),
        },
      });
    });
    return { status: outcome.status, message, at, fingerprint: outcome.fingerprint };
  }

  /** Jump hosts met for the first time on the way are pinned too (trust on first use, as the target). */
  private async pinJumps(trx: Kysely<AutomationTables>, jumps: JumpHostRow[], seen: (string | null)[]) {
    const pinned: { id: number; fingerprint: string }[] = [];
    for (const [i, j] of jumps.entries()) {
      const fp = seen[i];
      if (fp && !j.host_fingerprint && (await repo.pinHostKey(trx, 'automation_jump_hosts', j.id, fp)))
        pinned.push({ id: j.id, fingerprint: fp });
    }
    return pinned;
  }

  /**
   * After a contact outside a check (a run): pin every hop that presented a key and had no pin yet.
   * `fingerprints` is in the engine's order: jump hosts first, then the target.
   */
  async recordContact(target: TargetRow, fingerprints: (string | null)[]): Promise<void> {
    const jumps = await jumpsOf(this.db, target);
    await this.db.transaction().execute(async (trx) => {
      const jumpPins = await this.pinJumps(trx, jumps, fingerprints.slice(0, jumps.length));
      const own = fingerprints[jumps.length];
      const pinned = !!own && !target.host_fingerprint && (await repo.pinHostKey(trx, 'automation_targets', target.id, own));
      if (!pinned && !jumpPins.length) return;
      await this.audit.record(trx, {
        actor: {},
        action: 'automation.target.pin-host-key',
        resourceType: RES,
        resourceId: target.id,
        project: target.project,
        details: { ...(pinned ? { pinnedFingerprint: own } : {}), ...(jumpPins.length ? { pinnedJumpHosts: jumpPins } : {}) },
      });
    });
  }

  async acceptHostKey(actor: Actor, target: TargetRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.updateTarget(trx, target.id, { host_fingerprint: null, updated_at: this.ctx.clock.now().toISOString() });
      await this.audit.record(trx, {
        actor,
        action: 'automation.target.accept-host-key',
        resourceType: RES,
        resourceId: target.id,
        project: target.project,
        details: { name: target.name, previousFingerprint: target.host_fingerprint },
      });
    });
  }

  /**
   * Log in once with `password` and append Gatehouse's public key to authorized_keys. Returns the
   * host key seen (to pin). The password is used for this one login and then dropped: it is not
   * stored, not logged and not in the error.
   */
  async installKey(target: TargetRow, jumps: JumpHostRow[], password: string): Promise<string | null> {
    const { publicKey } = await this.keys.publicKey();
    const chain = await chainOf(this.ctx, this.keys, target, jumps);
    let r: Awaited<ReturnType<typeof install>>;
    try {
      r = await install(chain, password, publicKey);
    } catch (e) {
      r = { ok: false, status: 'unreachable', message: (e as Error).message };
    }
    if (!r.ok) throw new KeyInstallFailed({ status: r.status, reason: clip(r.message.split(password).join('***')) });
    return r.fingerprint;
  }
}
