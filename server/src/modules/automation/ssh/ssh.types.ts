/** One SSH server on the way to a target: each jump host, then the target itself. */
export interface SshHop {
  host: string;
  port: number;
  username: string;
  /** An unencrypted private key (OpenSSH or PEM format). */
  privateKey: string;
  /** The pinned host key fingerprint ("SHA256:…"), or null to trust on first use (the caller pins). */
  pinnedFingerprint: string | null;
}

export type ExecStatus = 'succeeded' | 'failed' | 'timeout' | 'cancelled' | 'unreachable' | 'auth-failed' | 'host-key-changed';

export type ScriptLanguage = 'bash' | 'sh' | 'python3';

export interface ExecRequest {
  /** Jump hosts in order, then the target (1..6 hops). */
  chain: SshHop[];
  language: ScriptLanguage;
  /** The script text; an allowed interpreter line (#!…) overrides `language`. */
  content: string;
  /** Script parameters, delivered as separate argv entries ($1, $2… / sys.argv[1:]). */
  args: string[];
  /** Per hop: TCP connect (or port forward through the previous hop) + SSH handshake + auth. */
  connectTimeoutMs: number;
  /** The whole run on the target, counted from the moment the chain is connected. */
  timeoutMs: number;
  /** SSH keepalive interval on every hop; default 60000 (the seed's ServerAliveInterval 60). */
  keepaliveMs?: number;
  /** Cancels the run: the remote process group is signalled and ends. */
  signal?: AbortSignal;
  onStdout(text: string): void;
  onStderr(text: string): void;
}

export interface ExecResult {
  status: ExecStatus;
  exitCode: number | null;
  /** The signal that ended the remote interpreter ("SIGTERM", "SIGKILL"…), when one did. */
  signal: string | null;
  error: string | null;
  /** Per hop, the fingerprint the server presented (null when that hop was not reached). */
  fingerprints: (string | null)[];
}

export type ConnectStatus = 'reachable' | 'auth-failed' | 'unreachable' | 'host-key-changed' | 'timeout';

export interface CheckResult {
  status: ConnectStatus;
  message: string;
  fingerprints: (string | null)[];
}

/** A hop that logs in with a password (used once, to install Gatehouse's public key). */
export interface PasswordHop {
  host: string;
  port: number;
  username: string;
  password: string;
  pinnedFingerprint: string | null;
}

export interface InstallKeyResult {
  /** 'failed': logged in, but the key could not be written (read-only home, no shell…; see message). */
  status: 'installed' | 'already-present' | 'failed' | 'auth-failed' | 'unreachable' | 'host-key-changed' | 'timeout';
  message: string;
  /** The fingerprint the target presented (null when it was not reached). */
  fingerprint: string | null;
}

export interface KeyPair {
  /** OpenSSH private key format, unencrypted. */
  privateKey: string;
  /** "ssh-ed25519 AAAA… comment" */
  publicKey: string;
  fingerprint: string;
}

/** At most this many hops in a chain: 5 jump hosts and the target. */
export const MAX_HOPS = 6;
