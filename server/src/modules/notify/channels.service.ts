import type { AppContext } from '../../core/context.js';
import type { Db } from '../../core/db/db.js';
import { isSigned, needsUrl, toChannel, validateChannel, type ChannelInput } from './channel-model.js';
import * as repo from './channels.repo.js';
import { ChannelNameTaken, ChannelNotFound } from './notify.errors.js';
import type { Publisher } from './publish.service.js';
import {
  toDelivery,
  type AuditSink,
  type Channel,
  type ChannelRow,
  type Delivery,
  type NotifyActor,
  type NotifyTables,
} from './notify.types.js';

const RES = 'notify-channel';

/** Channels administration (notify.manage): CRUD with sealed URL/secret, the test message, the log. */
export class ChannelsService {
  constructor(
    private readonly ctx: AppContext,
    private readonly audit: AuditSink,
    private readonly publisher: Publisher,
  ) {}

  private get db(): Db<NotifyTables> {
    return this.ctx.db;
  }

  private view(r: ChannelRow): Channel {
    return toChannel(r, r.url_enc ? this.ctx.secrets.open(r.url_enc) : null);
  }

  async list(): Promise<Channel[]> {
    return (await repo.listChannels(this.db)).map((r) => this.view(r));
  }

  async get(id: number): Promise<Channel> {
    const r = await repo.getChannel(this.db, id);
    if (!r) throw new ChannelNotFound({ id });
    return this.view(r);
  }

  async create(actor: NotifyActor, i: ChannelInput): Promise<Channel> {
    const v = validateChannel(i, i.url ?? null, i.secret ?? null);
    const now = this.ctx.clock.now().toISOString();
    const id = await this.db.transaction().execute(async (trx) => {
      if (await repo.channelByName(trx, i.name)) throw new ChannelNameTaken({ name: i.name });
      const id = await repo.insertChannel(trx, {
        name: i.name,
        type: i.type,
        config: JSON.stringify(v.config),
        url_enc: i.url ? this.ctx.secrets.seal(i.url) : null,
        secret_enc: i.secret ? this.ctx.secrets.seal(i.secret) : null,
        events: JSON.stringify(v.events),
        project: i.project ?? '*',
        environment: i.environment ?? '*',
        language: i.language ?? null,
        template: v.template,
        enabled: i.enabled === false ? 0 : 1,
        created_by: actor.userId,
        created_by_name: actor.username,
        created_at: now,
        updated_at: now,
      });
      await this.record(trx, actor, 'notify.channel.create', id, { ...summary(i, v), changed: changedParts(i) });
      return id;
    });
    return this.get(id);
  }

  /** Replace the settings; url and secret are kept unless given (secret null or '' removes it). */
  async update(actor: NotifyActor, id: number, i: ChannelInput): Promise<Channel> {
    await this.db.transaction().execute(async (trx) => {
      const before = await repo.getChannel(trx, id);
      if (!before) throw new ChannelNotFound({ id });
      const other = await repo.channelByName(trx, i.name);
      if (other && other.id !== id) throw new ChannelNameTaken({ name: i.name });
      // A type that takes no URL or secret drops the stored one rather than refusing the change.
      const keepUrl = i.url === undefined && needsUrl(i.type) ? before.url_enc : null;
      const keepSecret = i.secret === undefined && isSigned(i.type) ? before.secret_enc : null;
      const url = i.url !== undefined ? i.url || null : keepUrl ? this.ctx.secrets.open(keepUrl) : null;
      const secret = i.secret !== undefined ? i.secret || null : keepSecret ? this.ctx.secrets.open(keepSecret) : null;
      const v = validateChannel(i, url, secret);
      await repo.updateChannel(trx, id, {
        name: i.name,
        type: i.type,
        config: JSON.stringify(v.config),
        url_enc: i.url !== undefined ? (url ? this.ctx.secrets.seal(url) : null) : keepUrl,
        secret_enc: i.secret !== undefined ? (secret ? this.ctx.secrets.seal(secret) : null) : keepSecret,
        events: JSON.stringify(v.events),
        project: i.project ?? '*',
        environment: i.environment ?? '*',
        language: i.language ?? null,
        template: v.template,
        enabled: i.enabled === false ? 0 : 1,
        updated_at: this.ctx.clock.now().toISOString(),
      });
      await this.record(trx, actor, 'notify.channel.update', id, { ...summary(i, v), changed: changedParts(i) });
    });
    return this.get(id);
  }

  async remove(actor: NotifyActor, id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const before = await repo.getChannel(trx, id);
      if (!before) throw new ChannelNotFound({ id });
      await repo.deleteChannel(trx, id);
      await this.record(trx, actor, 'notify.channel.delete', id, { name: before.name, type: before.type });
    });
  }

  /** Queue a test message to the channel (even when disabled); the delivery id to follow it by. */
  async test(actor: NotifyActor, id: number): Promise<number> {
    const deliveryId = await this.db.transaction().execute(async (trx) => {
      const c = await repo.getChannel(trx, id);
      if (!c) throw new ChannelNotFound({ id });
      const at = this.ctx.clock.now().toISOString();
      const deliveryId = await this.publisher.publishTo(trx, c, 'test', { channel: c.name, user: actor.username, at });
      await this.record(trx, actor, 'notify.channel.test', id, { name: c.name, type: c.type, deliveryId });
      return deliveryId;
    });
    await this.publisher.settled();
    return deliveryId;
  }

  async deliveries(f: repo.DeliveryFilter, limit: number, offset: number): Promise<{ items: Delivery[]; total: number }> {
    const { rows, total } = await repo.findDeliveries(this.db, f, limit, offset);
    return { items: rows.map(toDelivery), total };
  }

  private record(trx: Db, actor: NotifyActor, action: string, id: number, details: Record<string, unknown>) {
    return this.audit.record(trx, { actor, action, resourceType: RES, resourceId: id, details });
  }
}

function summary(i: ChannelInput, v: { events: string[] }) {
  return {
    name: i.name,
    type: i.type,
    enabled: i.enabled !== false,
    events: v.events,
    project: i.project ?? '*',
    environment: i.environment ?? '*',
  };
}

/** Which write-only parts a change set (the values themselves never reach the trail). */
const changedParts = (i: ChannelInput): string[] =>
  [i.url !== undefined ? 'url' : '', i.secret !== undefined ? (i.secret ? 'secret' : 'secret-removed') : ''].filter(Boolean);
