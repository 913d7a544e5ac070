import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../../core/context.js';
import type { RequestMeta } from '../../../core/http/principal.js';
import type { AuditService } from '../../audit/index.js';
import type { IdentityService, User } from '../../identity/index.js';
import { TelegramDisabled } from './telegram.errors.js';
import * as repo from './telegram.repo.js';
import type { LinkRow, LinkStatus, TelegramTables } from './telegram.types.js';

/** Letters and digits people do not confuse (no 0/O, 1/I/L). */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
const CODE_TTL_MS = 10 * 60_000;
const RES = 'telegram-link';

export interface Actor extends Partial<RequestMeta> {
  userId: number;
  username: string;
}

export interface TelegramUser {
  id: number;
  username?: string;
}

export interface LinkedUser {
  link: LinkRow;
  user: User;
}

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/** "k7qm-3xpa " → "K7QM3XPA": codes are read off a screen and typed on a phone. */
export const normaliseCode = (s: string) => s.toUpperCase().replace(/[\s-]/g, '');

/** Links between Gatehouse users and Telegram accounts, made with one-use codes. */
export class LinksService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditService,
    private readonly identity: IdentityService,
    private readonly botUsername: () => string | null,
  ) {}

  private get db() {
    return this.ctx.db as Kysely<TelegramTables>;
  }

  private enabled(): boolean {
    return !!this.ctx.config.get().telegram.token;
  }

  async createCode(actor: Actor): Promise<{ code: string; expiresAt: string; botUsername: string | null }> {
    if (!this.enabled()) throw new TelegramDisabled();
    const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const now = this.ctx.clock.now();
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS).toISOString();
    await this.db.transaction().execute(async (trx) => {
      await repo.retireCodesOfUser(trx, actor.userId, now.toISOString());
      await repo.pruneLinkCodes(trx, new Date(now.getTime() - 86_400_000).toISOString());
      await repo.insertLinkCode(trx, {
        user_id: actor.userId,
        code_hash: hashCode(code),
        created_at: now.toISOString(),
        expires_at: expiresAt,
      });
      await this.audit.record(trx, {
        actor,
        action: 'approvals.telegram.link-code',
        resourceType: RES,
        resourceId: actor.userId,
        details: { expiresAt },
      });
    });
    return { code, expiresAt, botUsername: this.botUsername() };
  }

  async status(userId: number): Promise<LinkStatus> {
    const link = await repo.linkOfUser(this.db, userId);
    return {
      linked: !!link,
      telegramUsername: link?.telegram_username ?? null,
      linkedAt: link?.linked_at ?? null,
      enabled: this.enabled(),
      botUsername: this.botUsername(),
    };
  }

  async unlink(actor: Actor): Promise<LinkStatus> {
    await this.db.transaction().execute(async (trx) => {
      const link = await repo.linkOfUser(trx, actor.userId);
      if (!link) return;
      await repo.deleteLinkOfUser(trx, actor.userId);
      await this.audit.record(trx, {
        actor,
        action: 'approvals.telegram.unlink',
        resourceType: RES,
        resourceId: actor.userId,
        details: { telegramUserId: link.telegram_user_id, telegramUsername: link.telegram_username },
      });
    });
    return this.status(actor.userId);
  }

  /** `/link <code>` in a private chat. Returns the linked user, or null for an unknown/used/expired code. */
  async linkByCode(rawCode: string, from: TelegramUser, chatId: number): Promise<User | null> {
    const now = this.ctx.clock.now().toISOString();
    const code = normaliseCode(rawCode);
    if (code.length !== CODE_LENGTH) return null;
    const hash = hashCode(code);
    // Look the user up before the transaction: SQLite has one connection, which the transaction holds.
    const pending = await repo.liveLinkCode(this.db, hash, now);
    if (!pending) return null;
    const user = await this.identity.getUser(pending.user_id);
    if (!user || user.status !== 'active') return null;
    const linked = await this.db.transaction().execute(async (trx) => {
      if ((await repo.consumeLinkCode(trx, hash, now)) !== user.id) return false;
      await repo.replaceLink(trx, {
        user_id: user.id,
        telegram_user_id: String(from.id),
        telegram_username: from.username ?? null,
        chat_id: String(chatId),
        linked_at: now,
      });
      await this.audit.record(trx, {
        actor: { userId: user.id, username: user.username, userAgent: 'telegram' },
        action: 'approvals.telegram.link',
        resourceType: RES,
        resourceId: user.id,
        details: { telegramUserId: String(from.id), telegramUsername: from.username ?? null },
      });
      return true;
    });
    return linked ? user : null;
  }

  /** The Gatehouse user behind a Telegram account, if linked and still active. */
  async userOf(from: TelegramUser): Promise<LinkedUser | null> {
    const link = await repo.linkOfTelegramUser(this.db, String(from.id));
    if (!link) return null;
    const user = await this.identity.getUser(link.user_id);
    if (!user || user.status !== 'active') return null;
    // People rename themselves in Telegram; mentions must use the current name.
    const username = from.username ?? null;
    if (username !== link.telegram_username) {
      await repo.updateTelegramUsername(this.db, link.id, username);
      link.telegram_username = username;
    }
    return { link, user };
  }

  linksOf(userIds: number[]): Promise<LinkRow[]> {
    return repo.linksOfUsers(this.db, userIds);
  }
}
