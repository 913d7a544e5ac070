/**
 * getMe, getUpdates, the webhook methods, answerCallbackQuery and the command menu
 * (reference §4.1–§4.3, §4.6, §4.8).
 */
import { ApiError, E } from './errors.js';
import { bool, int, json, str, type Params } from './params.js';
import { NO_REPLY, ok, type BotCommand, type Method, type Sim } from './state.js';

const clamp = (v: number | undefined, lo: number, hi: number, dflt: number) =>
  v === undefined || Number.isNaN(v) ? dflt : Math.min(hi, Math.max(lo, v));

export const getMe: Method = (sim) =>
  ok({
    ...sim.bot,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    supports_guest_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  });

const allowedArg = (p: Params) => json<unknown>(p, 'allowed_updates', () => E.bad("can't parse allowed updates JSON object"));

export const getUpdates: Method = async (sim, p, io) => {
  if (sim.webhook.config) throw E.webhookActive();
  const allowed = allowedArg(p);
  if (allowed !== undefined) sim.updates.setAllowed(allowed);
  const offset = int(p, 'offset');
  const out = await sim.updates.poll(
    offset === undefined || Number.isNaN(offset) ? 0 : offset,
    clamp(int(p, 'limit'), 1, 100, 100),
    clamp(int(p, 'timeout'), 0, 50, 0),
    io.onClose,
  );
  if (out instanceof ApiError) throw out;
  return out === null ? NO_REPLY : ok(out);
};

function checkWebhookUrl(sim: Sim, raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw E.bad('bad webhook: Failed to resolve host: Name or service not known');
  }
  const https = url.protocol === 'https:';
  if (!https && (sim.strictWebhookUrls || url.protocol !== 'http:')) throw E.bad('bad webhook: An HTTPS URL must be provided for webhook');
  const port = url.port || '443';
  if (sim.strictWebhookUrls && !['443', '80', '88', '8443'].includes(port))
    throw E.bad('bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
}

export const setWebhook: Method = (sim, p) => {
  const url = str(p, 'url') ?? '';
  if (url === '') return deleteWebhook(sim, p, { onClose: () => {} });
  checkWebhookUrl(sim, url);
  const secret = str(p, 'secret_token');
  if (secret !== undefined && secret.length > 256) throw E.bad('secret token is too long');
  if (secret !== undefined && !/^[A-Za-z0-9_-]*$/.test(secret)) throw E.bad('secret token contains unallowed characters');
  const maxConnections = clamp(int(p, 'max_connections'), 1, 100, 40);
  const allowed = allowedArg(p);
  if (allowed !== undefined) sim.updates.setAllowed(allowed);
  if (bool(p, 'drop_pending_updates')) sim.updates.clear();
  const prev = sim.webhook.config;
  const unchanged = prev?.url === url && prev.secretToken === (secret || undefined) && prev.maxConnections === maxConnections;
  sim.updates.terminate(E.terminatedBySetWebhook());
  sim.webhook.set({ url, secretToken: secret || undefined, maxConnections, ipAddress: '127.0.0.1' });
  return ok(true, unchanged ? 'Webhook is already set' : 'Webhook was set');
};

export const deleteWebhook: Method = (sim, p) => {
  if (bool(p, 'drop_pending_updates')) sim.updates.clear();
  const had = sim.webhook.config !== null;
  sim.webhook.set(null);
  return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
};

export const getWebhookInfo: Method = (sim) => {
  const cfg = sim.webhook.config;
  const info: Record<string, unknown> = {
    url: cfg?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: sim.updates.pending.length,
  };
  if (cfg?.ipAddress) info.ip_address = cfg.ipAddress;
  if (sim.webhook.lastErrorDate) {
    info.last_error_date = sim.webhook.lastErrorDate;
    info.last_error_message = sim.webhook.lastErrorMessage;
  }
  if (cfg) info.max_connections = cfg.maxConnections;
  if (sim.updates.allowed) info.allowed_updates = sim.updates.allowed;
  return ok(info);
};

export const answerCallbackQuery: Method = (sim, p) => {
  const id = str(p, 'callback_query_id');
  if (!id) throw E.required('callback_query_id');
  const rec = sim.callbacks.get(id);
  if (!rec || rec.answered || Date.now() - rec.at > sim.callbackAnswerWindowMs) throw E.queryTooOld();
  const text = str(p, 'text');
  if (text !== undefined && [...text].length > 200) throw E.bad('MESSAGE_TOO_LONG');
  rec.answered = true;
  const answer: (typeof sim.answers)[number] = { callback_query_id: id };
  if (text !== undefined) answer.text = text;
  if (bool(p, 'show_alert')) answer.show_alert = true;
  if (str(p, 'url')) answer.url = str(p, 'url');
  if (int(p, 'cache_time') !== undefined) answer.cache_time = clamp(int(p, 'cache_time'), 0, 2_592_000, 0);
  sim.answers.push(answer);
  return ok(true);
};

export function commandsKey(scope: unknown, languageCode: string | undefined): string {
  return `${JSON.stringify(scope ?? { type: 'default' })}|${languageCode ?? ''}`;
}

const scopeKey = (p: Params) =>
  commandsKey(
    json(p, 'scope', () => E.bad("can't parse BotCommandScope JSON object")),
    str(p, 'language_code'),
  );

function checkCommand(raw: unknown): BotCommand {
  const c = (raw ?? {}) as { command?: unknown; description?: unknown };
  const command = String(c.command ?? '').replace(/^\//, '');
  const description = String(c.description ?? '');
  if (!command) throw E.bad('command must be non-empty');
  if (command.length > 32) throw E.bad('command length must not exceed 32');
  if (!/^[a-z0-9_]+$/.test(command)) throw E.bad('BOT_COMMAND_INVALID');
  if (!description.trim()) throw E.bad('command description must be non-empty');
  if (description.length > 256) throw E.bad('command description length must not exceed 256');
  return { command, description };
}

export const setMyCommands: Method = (sim, p) => {
  const list = json<unknown>(p, 'commands', () => E.bad("can't parse commands JSON object"));
  if (list === undefined) throw E.required('commands');
  if (!Array.isArray(list)) throw E.bad('field "commands" must be an Array');
  if (list.length > 100) throw E.bad('too many commands specified');
  sim.commands.set(scopeKey(p), list.map(checkCommand));
  return ok(true);
};

export const getMyCommands: Method = (sim, p) => ok(sim.commands.get(scopeKey(p)) ?? []);

export const deleteMyCommands: Method = (sim, p) => {
  sim.commands.delete(scopeKey(p));
  return ok(true);
};
