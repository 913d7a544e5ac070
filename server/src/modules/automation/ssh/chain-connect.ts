import type ssh2 from 'ssh2';
import { ConnectFailure, connectHop, hopLabel, type HopTarget } from './hop-connect.js';
import { MAX_HOPS } from './ssh.types.js';

export interface ChainOptions {
  connectTimeoutMs: number;
  keepaliveMs?: number;
  signal?: AbortSignal;
}

/** A connected chain: one SSH connection per hop, each (after the first) tunnelled through the previous. */
export interface Chain {
  /** The connection to the last hop, where commands run. */
  target: ssh2.Client;
  /** Set once any hop's connection is lost (keepalive timeout, reset, closed by the server). */
  lost: Error | null;
  /** Called when a connection is lost while the chain is in use. */
  onLost: ((err: Error) => void) | null;
  /** Ends every connection (target first) and waits, briefly, for the sockets to close. */
  close(): Promise<void>;
}

export type ChainOutcome =
  { ok: true; chain: Chain; fingerprints: (string | null)[] } | { ok: false; failure: ConnectFailure; fingerprints: (string | null)[] };

export const DEFAULT_KEEPALIVE_MS = 60_000;
const CLOSE_WAIT_MS = 2_000;

/** Throws on a chain the caller should never have built (a programming error, not a remote problem). */
export function assertChainLength(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOPS) throw new RangeError(`an SSH chain has 1..${MAX_HOPS} hops, got ${n}`);
}

function closeClient(c: ssh2.Client, closed: WeakSet<ssh2.Client>): Promise<void> {
  return new Promise((resolve) => {
    if (closed.has(c)) return resolve();
    const t = setTimeout(() => {
      c.destroy();
      resolve();
    }, CLOSE_WAIT_MS);
    c.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    c.end();
  });
}

/**
 * Connects hop after hop. The first failure stops the walk, closes what was opened and is returned
 * (never thrown) with the index of the hop that failed.
 */
export async function connectChain(hops: HopTarget[], opts: ChainOptions): Promise<ChainOutcome> {
  assertChainLength(hops.length);
  const fingerprints: (string | null)[] = hops.map(() => null);
  const clients: ssh2.Client[] = [];
  const closed = new WeakSet<ssh2.Client>();
  let closing = false;
  const chain: Chain = {
    target: null as unknown as ssh2.Client,
    lost: null,
    onLost: null,
    close: async () => {
      closing = true;
      for (const c of [...clients].reverse()) await closeClient(c, closed);
    },
  };
  const onLost = (err: Error) => {
    if (closing || chain.lost) return;
    chain.lost = err;
    chain.onLost?.(err);
  };
  try {
    for (let i = 0; i < hops.length; i++) {
      const via = i > 0 ? { client: clients[i - 1], label: hopLabel(hops[i - 1]) } : null;
      const client = await connectHop(i, hops[i], via, fingerprints, {
        connectTimeoutMs: opts.connectTimeoutMs,
        keepaliveMs: opts.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
        signal: opts.signal,
        onLost,
      });
      client.once('close', () => closed.add(client));
      clients.push(client);
    }
  } catch (e) {
    await chain.close();
    if (e instanceof ConnectFailure) return { ok: false, failure: e, fingerprints };
    throw e;
  }
  chain.target = clients[clients.length - 1];
  return { ok: true, chain, fingerprints };
}
