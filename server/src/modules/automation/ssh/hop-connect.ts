import net from 'node:net';
import type ssh2 from 'ssh2';
import { loadSsh2 } from './ssh2-lib.js';
import { fingerprintOfBlob } from './ssh-keys.js';

/** One hop as the connector needs it: key or password login, optional pinned host key. */
export interface HopTarget {
  host: string;
  port: number;
  username: string;
  privateKey?: string;
  password?: string;
  pinnedFingerprint: string | null;
}

export type ConnectFailureStatus = 'auth-failed' | 'unreachable' | 'host-key-changed' | 'timeout' | 'cancelled';

/** Why a hop could not be reached; `hop` is its index in the chain. */
export class ConnectFailure extends Error {
  constructor(
    readonly status: ConnectFailureStatus,
    message: string,
    readonly hop: number,
  ) {
    super(message);
  }
}

export interface HopOptions {
  connectTimeoutMs: number;
  keepaliveMs: number;
  signal?: AbortSignal;
  /** Called with errors that happen after the hop is connected (keepalive timeout, reset). */
  onLost(err: Error): void;
}

export function hopLabel(h: { host: string; port: number }): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

function classify(err: Error & { level?: string; code?: unknown }, hop: HopTarget, phase: string): [ConnectFailureStatus, string] {
  const where = hopLabel(hop);
  if (err.level === 'client-authentication')
    return ['auth-failed', `${hop.username}@${where} rejected the login (${hop.password !== undefined ? 'password' : 'public key'})`];
  if (err.level === 'client-socket' && typeof err.code === 'string')
    return ['unreachable', `cannot connect to ${where}: ${SOCKET_ERRORS[err.code] ?? err.code}`];
  return ['unreachable', `SSH ${phase} with ${where} failed: ${err.message}`];
}

/**
 * Connects and authenticates one hop, over TCP (`via` null) or through a port forward opened on the
 * previous hop's connection (`forwardOut`, inside this process: no local port, no ssh process).
 * `connectTimeoutMs` covers TCP or forward + handshake + login. The host key is checked during the
 * key exchange, before any credential is sent; `fingerprints[index]` records what the server presented.
 */
export function connectHop(
  index: number,
  hop: HopTarget,
  via: { client: ssh2.Client; label: string } | null,
  fingerprints: (string | null)[],
  opts: HopOptions,
): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new (loadSsh2().Client)();
    const where = hopLabel(hop);
    let phase: 'connect' | 'handshake' | 'login' = 'connect';
    let changedTo: string | null = null;
    let settled = false;
    let ready = false;
    let sock: net.Socket | ssh2.ClientChannel | null = null;

    const finish = (failure: ConnectFailure | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!failure) {
        ready = true;
        return resolve(client);
      }
      client.end();
      sock?.destroy();
      reject(failure);
    };
    const fail = (status: ConnectFailureStatus, message: string) => finish(new ConnectFailure(status, message, index));
    const onAbort = () => fail('cancelled', 'cancelled before the connection was made');
    const timer = setTimeout(
      () => fail('timeout', timeoutMessage(where, phase, opts.connectTimeoutMs, via?.label ?? null)),
      opts.connectTimeoutMs,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) return onAbort();

    // ssh2 emits 'error' at any time; an unhandled one would crash the process, so this stays attached.
    client.on('error', (err: Error & { level?: string }) => {
      if (ready) return opts.onLost(err);
      if (changedTo) return fail('host-key-changed', hostKeyChangedMessage(where, hop.pinnedFingerprint ?? '', changedTo));
      fail(...classify(err, hop, phase));
    });
    client.on('close', () => {
      if (ready) return opts.onLost(new Error(`the connection to ${where} closed`));
      fail('unreachable', `${where} closed the connection during the SSH ${phase}`);
    });
    client.on('handshake', () => (phase = 'login'));
    client.on('ready', () => finish(null));
    client.on('keyboard-interactive', (_n, _i, _l, prompts, done) => done(prompts.map(() => hop.password ?? '')));

    const start = (stream: net.Socket | ssh2.ClientChannel) => {
      sock = stream;
      // ssh2 adds its own listener in connect(); this one covers a connect() that threw before that.
      stream.on('error', () => {});
      if (settled) return stream.destroy();
      try {
        client.connect({
          sock: stream,
          username: hop.username,
          privateKey: hop.privateKey,
          password: hop.password,
          tryKeyboard: hop.password !== undefined,
          readyTimeout: 0, // our own timer covers the whole hop
          keepaliveInterval: opts.keepaliveMs,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            const fp = fingerprintOfBlob(key);
            fingerprints[index] = fp;
            if (hop.pinnedFingerprint && fp !== hop.pinnedFingerprint) changedTo = fp;
            return changedTo === null;
          },
        });
      } catch (e) {
        fail('auth-failed', `the private key for ${hop.username}@${where} cannot be used: ${(e as Error).message}`);
      }
    };

    if (via) {
      via.client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
        if (err) return fail('unreachable', `jump host ${via.label} could not open a connection to ${where}: ${err.message}`);
        phase = 'handshake';
        start(stream);
      });
    } else {
      const s = net.connect({ host: hop.host, port: hop.port });
      s.setNoDelay(true); // OpenSSH's client stalls ~40 ms on delayed ACKs without it (bench/fanout README)
      s.once('connect', () => (phase = 'handshake'));
      start(s);
    }
  });
}

function timeoutMessage(where: string, phase: string, ms: number, jump: string | null): string {
  if (phase === 'connect')
    return jump
      ? `jump host ${jump} did not connect to ${where} within ${ms} ms`
      : `TCP connect to ${where} did not complete within ${ms} ms`;
  if (phase === 'handshake') return `${where} accepted the connection but the SSH handshake did not complete within ${ms} ms`;
  return `login to ${where} did not complete within ${ms} ms`;
}

export function hostKeyChangedMessage(where: string, pinned: string, presented: string): string {
  return (
    `the host key of ${where} has changed: pinned ${pinned}, presented ${presented}. ` +
    'Gatehouse stopped before logging in; an admin must accept the new key before it connects again.'
  );
}
