import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** One message as the SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The TLS state of the session when the message arrived (STARTTLS or implicit TLS). */
  secure: boolean;
  user?: string;
  headers: Record<string, string>;
  subject: string;
  /** The text body, transfer-decoded (quoted-printable or base64) as UTF-8. */
  text: string;
  raw: string;
}

function decodeQuotedPrintable(s: string): Buffer {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i], 'utf8'));
  }
  return Buffer.from(bytes);
}

/** Enough of RFC 5322 / MIME for single-part text mail, the shape the mailer sends. */
export function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = raw.slice(split + 4).replace(/\r\n$/, '');
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    cte === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : cte === 'quoted-printable'
        ? decodeQuotedPrintable(body).toString('utf8')
        : body;
  return { headers, text: text.replace(/\r\n/g, '\n') };
}

export interface SmtpPeer {
  port: number;
  mails: ReceivedMail[];
  /** Resolves with the next message received (or one already waiting). */
  next(timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (smtp-server, the same protocol code paths nodemailer talks to).
 * With no TLS options it offers STARTTLS with smtp-server's built-in self-signed certificate.
 */
export async function startSmtpPeer(
  opts: Partial<SMTPServerOptions> & { users?: Record<string, string>; port?: number } = {},
): Promise<SmtpPeer> {
  const { users, port = 0, ...serverOpts } = opts;
  const mails: ReceivedMail[] = [];
  let waiter: ((m: ReceivedMail) => void) | undefined;
  const server = new SMTPServer({
    logger: false,
    authOptional: !users,
    allowInsecureAuth: true,
    ...serverOpts,
    onAuth(auth, _session, cb) {
      if (users && users[auth.username ?? ''] === auth.password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, text } = parseMail(raw);
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
          headers,
          subject: headers.subject ?? '',
          text,
          raw,
        };
        mails.push(mail);
        waiter?.(mail);
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  let taken = 0;
  return {
    port: address.port,
    mails,
    next(timeoutMs = 5000) {
      if (mails.length > taken) return Promise.resolve(mails[taken++]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no mail arrived')), timeoutMs);
        waiter = (m) => {
          clearTimeout(timer);
          waiter = undefined;
          taken++;
          resolve(m);
        };
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A port on 127.0.0.1 where nothing listens (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const peer = await startSmtpPeer();
  const port = peer.port;
  await peer.close();
  return port;
}
