import { checkConnection, generateKeyPair, installPublicKey, validatePrivateKey, type SshHop } from './ssh/index.js';
import type { CheckStatus } from './automation.types.js';

/**
 * The CRUD half's only door to the SSH engine (./ssh): keys, checks and the one-time key install.
 * Kept in one file so the services speak in targets and chains, not in engine calls.
 */

export type Hop = SshHop;

/** A target and the jump hosts in front of it, nearest to Gatehouse first. */
export interface Chain {
  target: Hop;
  jumps: Hop[];
}

/** The engine's order: jump hosts first, then the target. */
export const hopsOf = (c: Chain): Hop[] => [...c.jumps, c.target];

export interface CheckOutcome {
  status: CheckStatus;
  message: string;
  /** The target's host key as presented (null when the target was never reached). */
  fingerprint: string | null;
  /** Each jump host's presented key, in chain order (null for those not reached). */
  jumpFingerprints: (string | null)[];
}

export const CHECK_TIMEOUT_MS = 10_000;

export const newKeyPair = (comment: string) => generateKeyPair(comment);

/** Why a text is not a private key Gatehouse can use, or null when it is one. */
export function privateKeyProblem(text: string): string | null {
  const r = validatePrivateKey(text);
  return r.ok ? null : r.message;
}

export async function check(chain: Chain, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckOutcome> {
  const r = await checkConnection(hopsOf(chain), timeoutMs);
  const n = chain.jumps.length;
  return { status: r.status, message: r.message, fingerprint: r.fingerprints[n] ?? null, jumpFingerprints: r.fingerprints.slice(0, n) };
}

export type InstallOutcome = { ok: true; fingerprint: string | null } | { ok: false; status: string; message: string };

/** Log in once with a password (through the chain's jump hosts) and add `publicKey` to authorized_keys. */
export async function install(chain: Chain, password: string, publicKey: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<InstallOutcome> {
  const t = chain.target;
  const hop = { host: t.host, port: t.port, username: t.username, password, pinnedFingerprint: t.pinnedFingerprint };
  const r = await installPublicKey(hop, publicKey, timeoutMs, chain.jumps);
  if (r.status === 'installed' || r.status === 'already-present') return { ok: true, fingerprint: r.fingerprint };
  return { ok: false, status: r.status, message: r.message };
}
