import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../core/context.js';
import type { AutomationTables, KeyPairRow } from './automation.types.js';
import { newKeyPair } from './ssh-link.js';

export interface PublicKeyView {
  publicKey: string;
  fingerprint: string;
  installCommand: string;
}

/** The comment of Gatehouse's key: gatehouse@<host>, reduced to characters safe in any shell quoting. */
const keyComment = () => `gatehouse@${hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}`;

/**
 * Gatehouse's own ed25519 key pair, generated at first start and kept in one row (id 1) with the
 * private half sealed. Instances starting together race on the insert; the first one wins and the
 * others read its key.
 */
export class KeyPairService {
  private row: KeyPairRow | null = null;

  constructor(private readonly ctx: AppContext) {}

  private get db() {
    return this.ctx.db as Kysely<AutomationTables>;
  }

  async ensure(): Promise<KeyPairRow> {
    if (this.row) return this.row;
    let row = await this.db.selectFrom('automation_key_pair').selectAll().where('id', '=', 1).executeTakeFirst();
    if (!row) {
      const k = newKeyPair(keyComment());
      await this.db
        .insertInto('automation_key_pair')
        .values({
          id: 1,
          public_key: k.publicKey.trim(),
          private_key_enc: this.ctx.secrets.seal(k.privateKey),
          fingerprint: k.fingerprint,
          created_at: this.ctx.clock.now().toISOString(),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      row = await this.db.selectFrom('automation_key_pair').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
      this.ctx.log.info({ fingerprint: row.fingerprint }, "generated Gatehouse's SSH key pair");
    }
    this.row = row;
    return row;
  }

  async publicKey(): Promise<PublicKeyView> {
    const r = await this.ensure();
    // The key is base64 and a comment of [A-Za-z0-9.@-]: nothing in it can end the single quotes.
    const installCommand = `mkdir -p ~/.ssh && chmod 700 ~/.ssh && echo '${r.public_key}' >> ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys`;
    return { publicKey: r.public_key, fingerprint: r.fingerprint, installCommand };
  }

  /** The private half, for connections that use Gatehouse's key. Never leaves the server. */
  async privateKey(): Promise<string> {
    return this.ctx.secrets.open((await this.ensure()).private_key_enc);
  }
}
