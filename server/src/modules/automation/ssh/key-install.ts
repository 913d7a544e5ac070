import type ssh2 from 'ssh2';
import { connectChain } from './chain-connect.js';
import { hopLabel, type HopTarget } from './hop-connect.js';
import { publicKeyLine } from './ssh-keys.js';
import type { InstallKeyResult, PasswordHop, SshHop } from './ssh.types.js';

// Constant; the key arrives on stdin. A key already there (same key blob, any comment or options) is
// left alone, a file without a final newline gets one before the append, and modes are what sshd's
// StrictModes wants.
const INSTALL_COMMAND = [
  'umask 077',
  'k=$(cat) || exit 1',
  'b=${k#* }; b=${b%% *}',
  'd="$HOME/.ssh"; f="$d/authorized_keys"',
  'mkdir -p "$d" && chmod 700 "$d" || exit 1',
  'if [ -f "$f" ] && grep -qF -- "$b" "$f"; then echo gh-key-already-present; exit 0; fi',
  'if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then echo >>"$f"; fi',
  'printf "%s\\n" "$k" >>"$f" && chmod 600 "$f" && echo gh-key-installed',
].join('; ');

const OUTPUT_CAP = 16 * 1024;

function execCollect(client: ssh2.Client, stdin: string, timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let code: number | null = null;
    const timer = setTimeout(() => resolve({ code: null, out, err: err + `\n(no answer within ${timeoutMs} ms)` }), timeoutMs);
    client.exec(INSTALL_COMMAND, (e, ch) => {
      if (e) {
        clearTimeout(timer);
        return resolve({ code: null, out, err: e.message });
      }
      ch.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(0, OUTPUT_CAP)));
      ch.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(0, OUTPUT_CAP)));
      ch.on('exit', (c: number | null) => (code = c));
      ch.on('close', () => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
      ch.end(stdin + '\n');
    });
  });
}

/**
 * Logs in once with a password (never stored) and appends `publicKey` to the user's
 * ~/.ssh/authorized_keys. `via` are jump hosts (key login) in front of the target, as in a chain.
 */
export async function installPublicKey(
  hop: PasswordHop,
  publicKey: string,
  connectTimeoutMs: number,
  via: SshHop[] = [],
): Promise<InstallKeyResult> {
  const key = publicKeyLine(publicKey);
  if (!key) throw new TypeError('installPublicKey needs a one-line OpenSSH public key');
  const target: HopTarget = {
    host: hop.host,
    port: hop.port,
    username: hop.username,
    password: hop.password,
    pinnedFingerprint: hop.pinnedFingerprint,
  };
  const connected = await connectChain([...via, target], { connectTimeoutMs });
  const fingerprint = connected.fingerprints[via.length] ?? null;
  if (!connected.ok) {
    const { status, message } = connected.failure;
    return { status: status === 'cancelled' ? 'timeout' : status, message, fingerprint };
  }
  try {
    const r = await execCollect(connected.chain.target, key.line, Math.max(connectTimeoutMs, 10_000));
    const where = `${hop.username}@${hopLabel(hop)}`;
    if (r.code === 0 && r.out.includes('gh-key-installed'))
      return { status: 'installed', message: `the key was added to ${where}:~/.ssh/authorized_keys`, fingerprint };
    if (r.code === 0 && r.out.includes('gh-key-already-present'))
      return { status: 'already-present', message: `${where} already had the key`, fingerprint };
    return { status: 'failed', message: `installing the key on ${where} failed: ${r.err.trim() || `exit code ${r.code}`}`, fingerprint };
  } finally {
    await connected.chain.close();
  }
}
