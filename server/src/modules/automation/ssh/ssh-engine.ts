import { assertChainLength, connectChain } from './chain-connect.js';
import { resolveInterpreter } from './remote-command.js';
import { ScriptRun } from './script-run.js';
import type { CheckResult, ExecRequest, ExecResult, SshHop } from './ssh.types.js';

function failedBeforeConnect(req: ExecRequest, error: string): ExecResult {
  return { status: 'failed', exitCode: null, signal: null, error, fingerprints: req.chain.map(() => null) };
}

/**
 * Runs a script on the last hop of `req.chain`. Every remote or network problem comes back as a
 * status, never as a throw; only a malformed request (an empty or too long chain) throws.
 */
export async function runScript(req: ExecRequest): Promise<ExecResult> {
  assertChainLength(req.chain.length);
  const interp = resolveInterpreter(req.language, req.content);
  if ('error' in interp) return failedBeforeConnect(req, interp.error);
  const bad = req.args.findIndex((a) => typeof a !== 'string' || a.includes('\0'));
  if (bad >= 0) return failedBeforeConnect(req, `parameter ${bad + 1} is not text without NUL bytes; it cannot be passed as an argument`);
  if (req.signal?.aborted) return { ...failedBeforeConnect(req, 'cancelled before the connection was made'), status: 'cancelled' };

  const connected = await connectChain(req.chain, {
    connectTimeoutMs: req.connectTimeoutMs,
    keepaliveMs: req.keepaliveMs,
    signal: req.signal,
  });
  if (!connected.ok) {
    const { status, message } = connected.failure;
    return { status, exitCode: null, signal: null, error: message, fingerprints: connected.fingerprints };
  }
  try {
    const outcome = await new ScriptRun(connected.chain, interp, req).start();
    return { ...outcome, fingerprints: connected.fingerprints };
  } finally {
    await connected.chain.close();
  }
}

/** Connects and logs in through the whole chain, runs nothing, and says how far it got. */
export async function checkConnection(chain: SshHop[], connectTimeoutMs: number): Promise<CheckResult> {
  assertChainLength(chain.length);
  const connected = await connectChain(chain, { connectTimeoutMs });
  if (!connected.ok) {
    const { status, message } = connected.failure;
    // Without a signal there is nothing to cancel; the type still admits it.
    return { status: status === 'cancelled' ? 'timeout' : status, message, fingerprints: connected.fingerprints };
  }
  await connected.chain.close();
  const last = chain[chain.length - 1];
  const via = chain.length > 1 ? ` through ${chain.length - 1} jump host${chain.length > 2 ? 's' : ''}` : '';
  return {
    status: 'reachable',
    message: `logged in as ${last.username} on ${last.host}:${last.port}${via}`,
    fingerprints: connected.fingerprints,
  };
}
