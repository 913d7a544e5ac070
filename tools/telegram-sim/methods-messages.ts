/**
 * sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage (reference §4.4, §4.5, §4.7):
 * full Message objects, per-chat message ids, and the §2 errors.
 */
import { E } from './errors.js';
import { parseMarkup } from './markup.js';
import { int, json, str, type Params, bool } from './params.js';
import { clone, nowSec, ok, type Method, type Sim } from './state.js';
import type { ChatRecord, MessageRecord } from './chats.js';
import { formatText, type Text } from './text.js';
import type { Message, MessageEntity } from './types.js';

function textOf(p: Params): Text {
  const entities = json<MessageEntity[]>(p, 'entities', () => E.bad("can't parse entities JSON object"));
  return formatText(str(p, 'text'), str(p, 'parse_mode'), Array.isArray(entities) ? entities : undefined);
}

/** The message a reply points at: reply_parameters, else legacy reply_to_message_id. */
function replyTarget(chat: ChatRecord, p: Params): Message | undefined {
  const rp = json<{ message_id?: number; allow_sending_without_reply?: boolean }>(p, 'reply_parameters', () =>
    E.bad("can't parse reply parameters JSON object"),
  );
  const id = rp ? rp.message_id : int(p, 'reply_to_message_id');
  const allow = rp ? rp.allow_sending_without_reply === true : bool(p, 'allow_sending_without_reply');
  if (id === undefined || id === 0) return undefined;
  const target = chat.messages.get(Number(id));
  if (!target || target.deleted) {
    if (allow) return undefined;
    throw E.replyNotFound();
  }
  const copy = clone(target.message);
  delete copy.reply_to_message;
  return copy;
}

export const sendMessage: Method = (sim, p) => {
  const chat = sim.chats.resolve(str(p, 'chat_id'));
  const text = textOf(p);
  const markup = parseMarkup(str(p, 'reply_markup'));
  const reply = replyTarget(chat, p);
  const m: Omit<Message, 'message_id' | 'chat'> = { from: sim.bot, date: nowSec() };
  if (reply) m.reply_to_message = reply;
  m.text = text.text;
  if (text.entities.length) m.entities = text.entities;
  if (markup) m.reply_markup = markup;
  return ok(clone(sim.chats.add(chat, m, true, text.parse_mode).message));
};

function editable(sim: Sim, p: Params): MessageRecord {
  // Inline messages (sent via inline mode) do not exist in this emulator.
  if (str(p, 'inline_message_id')) throw E.bad('MESSAGE_ID_INVALID');
  const chat = sim.chats.resolve(str(p, 'chat_id'));
  const id = int(p, 'message_id');
  if (id === undefined) throw E.messageIdMissing();
  const rec = chat.messages.get(id);
  if (!rec || rec.deleted) throw E.editNotFound();
  if (!rec.byBot) throw E.cantEdit();
  return rec;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Applies an edit; omitting reply_markup removes the inline keyboard (reference §4.5). */
function applyEdit(rec: MessageRecord, change: { text?: Text; markup: Message['reply_markup'] }): Message {
  const m = rec.message;
  if (change.text) {
    m.text = change.text.text;
    if (change.text.entities.length) m.entities = change.text.entities;
    else delete m.entities;
    rec.parse_mode = change.text.parse_mode;
  }
  if (change.markup) m.reply_markup = change.markup;
  else delete m.reply_markup;
  m.edit_date = nowSec();
  return clone(m);
}

export const editMessageText: Method = (sim, p) => {
  const rec = editable(sim, p);
  const text = textOf(p);
  const markup = parseMarkup(str(p, 'reply_markup'));
  const m = rec.message;
  const entities = text.entities.length ? text.entities : undefined;
  if (m.text === text.text && same(m.entities, entities) && same(m.reply_markup, markup)) throw E.notModified();
  return ok(applyEdit(rec, { text, markup }));
};

export const editMessageReplyMarkup: Method = (sim, p) => {
  const rec = editable(sim, p);
  const markup = parseMarkup(str(p, 'reply_markup'));
  if (same(rec.message.reply_markup, markup)) throw E.notModified();
  return ok(applyEdit(rec, { markup }));
};

const DELETE_WINDOW_S = 48 * 3600;

export const deleteMessage: Method = (sim, p) => {
  const chat = sim.chats.resolve(str(p, 'chat_id'));
  const id = int(p, 'message_id');
  if (id === undefined) throw E.messageIdMissing();
  const rec = chat.messages.get(id);
  if (!rec || rec.deleted) throw E.deleteNotFound();
  // Bots delete their own messages anywhere and incoming ones only in private chats (no admin rights here).
  if (!rec.byBot && chat.chat.type !== 'private') throw E.cantDelete();
  if (nowSec() - rec.message.date > DELETE_WINDOW_S) throw E.cantDelete();
  rec.deleted = true;
  return ok(true);
};
