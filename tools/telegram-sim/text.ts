/**
 * Message text rules shared by sendMessage and editMessageText (reference §4.4): raw size, parse
 * mode, visible length, and the entities Telegram computes for user messages (bot_command, mention).
 */
import { E } from './errors.js';
import { type Formatted, parseHtml, sortEntities } from './html.js';
import { parseMarkdown, parseMarkdownV2 } from './markdown.js';
import type { MessageEntity } from './types.js';

export interface Text extends Formatted {
  parse_mode?: string;
}

export function formatText(raw: string | undefined, parseMode: string | undefined, entities: MessageEntity[] | undefined): Text {
  if (raw === undefined || raw === '') throw E.textEmpty();
  if (Buffer.byteLength(raw, 'utf8') > 32768) throw E.textTooLong();
  let f: Formatted;
  const mode = (parseMode ?? '').toLowerCase();
  if (mode === 'html') f = parseHtml(raw);
  else if (mode === 'markdownv2') f = parseMarkdownV2(raw);
  else if (mode === 'markdown') f = parseMarkdown(raw);
  else if (mode === '') f = { text: raw, entities: sortEntities([...(entities ?? [])]) };
  else throw E.unsupportedParseMode();
  f = trim(f);
  if (f.text === '') throw E.textEmpty();
  if ([...f.text].length > 4096) throw E.messageTooLong();
  return mode ? { ...f, parse_mode: parseMode } : f;
}

/** Telegram drops leading and trailing whitespace of a message; entities move and shrink with it. */
function trim(f: Formatted): Formatted {
  const lead = f.text.length - f.text.trimStart().length;
  const text = f.text.trim();
  const entities = f.entities
    .map((e) => {
      const start = Math.max(0, e.offset - lead);
      const end = Math.min(text.length, e.offset + e.length - lead);
      return { ...e, offset: start, length: end - start };
    })
    .filter((e) => e.length > 0);
  return { text, entities };
}

const COMMAND = /(^|[\s([{,;])(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?=$|[\s)\]},.;:!?'"])/g;
const MENTION = /(^|[^A-Za-z0-9_@/])(@[A-Za-z0-9_]{5,32})(?![A-Za-z0-9_])/g;

/** The entities Telegram attaches to a user's plain text: bot commands and @mentions. */
export function detectEntities(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  for (const [re, type] of [
    [COMMAND, 'bot_command'],
    [MENTION, 'mention'],
  ] as const) {
    for (const m of text.matchAll(re)) out.push({ type, offset: (m.index ?? 0) + m[1].length, length: m[2].length });
  }
  return sortEntities(out);
}
