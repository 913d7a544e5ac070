import type { Transporter } from 'nodemailer';
import type nodemailerTypes from 'nodemailer';
import type { Config } from '../../core/config/config.schema.js';
import { lazyRequire } from '../../core/lazy-require.js';

// nodemailer is loaded on the first message, not at start-up.
const nodemailer = lazyRequire<typeof nodemailerTypes>('nodemailer');

/** Builds a nodemailer transport from the current SMTP settings; rebuilt when they change. */
export class Mailer {
  private transport?: Transporter;
  private key = '';

  constructor(private readonly smtp: () => Config['smtp']) {}

  configured(): boolean {
    return this.smtp().host !== '';
  }

  private get(): Transporter {
    const s = this.smtp();
    const key = JSON.stringify(s);
    if (!this.transport || key !== this.key) {
      this.transport?.close();
      this.transport = nodemailer().createTransport({
        host: s.host,
        port: s.port,
        secure: s.secure,
        requireTLS: s.requireTls,
        auth: s.user ? { user: s.user, pass: s.password } : undefined,
        tls: { rejectUnauthorized: s.tlsRejectUnauthorized },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      });
      this.key = key;
    }
    return this.transport;
  }

  async send(msg: { to: string; subject: string; text: string; html?: string }): Promise<void> {
    await this.get().sendMail({ from: this.smtp().from, ...msg });
  }

  close(): void {
    this.transport?.close();
  }
}
