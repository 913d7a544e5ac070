import { createHmac } from 'node:crypto';
import { byBusinessCode, linkLabel, post, truncateBytes, type SendInput, type SendOutcome } from './http.js';

// Feishu/Lark answer HTTP 200 with code (new) or StatusCode (legacy): 11232 frequency limited;
// 19001 wrong hook, 19021 sign/timestamp, 19022 IP, 19024 keywords, 9499 bad request are permanent.
const RATE_LIMITED = [11232];
const PERMANENT = [19001, 19021, 19022, 19024, 9499];

/**
 * The reference's signature — unlike DingTalk's: the key is "timestamp\nsecret" and the message is
 * empty; Base64, no URL encoding (it travels in the JSON body). timestamp is in seconds.
 */
export function feishuSign(timestampSec: string, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).digest('base64');
}

const HEADER_COLOR = { info: 'blue', warning: 'orange', urgent: 'red' } as const;

export function feishuBody(input: SendInput): Record<string, unknown> {
  const m = input.message;
  if (input.config.msgType === 'text') {
    return { msg_type: 'text', content: { text: truncateBytes([m.title, m.text, m.link ?? ''].filter(Boolean).join('\n'), 18_000) } };
  }
  const elements: unknown[] = [{ tag: 'div', text: { tag: 'lark_md', content: truncateBytes(m.text, 18_000) } }];
  if (m.link) elements.push({ tag: 'div', text: { tag: 'lark_md', content: `[${linkLabel(m)}](${m.link})` } });
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { template: HEADER_COLOR[m.severity], title: { tag: 'plain_text', content: m.title } },
      elements,
    },
  };
}

export async function sendFeishu(input: SendInput): Promise<SendOutcome> {
  let body = feishuBody(input);
  if (input.secret) {
    const ts = String(Math.floor(input.now.getTime() / 1000));
    body = { timestamp: ts, sign: feishuSign(ts, input.secret), ...body };
  }
  const request = JSON.stringify(body);
  const answer = await post(input.url!, request, {}, input.timeoutMs);
  return byBusinessCode(
    answer,
    request,
    input.now,
    (b) => {
      const code = typeof b.code === 'number' ? b.code : typeof b.StatusCode === 'number' ? b.StatusCode : null;
      return code === null ? null : { code, msg: String(b.msg ?? b.StatusMessage ?? '') };
    },
    { rateLimited: RATE_LIMITED, permanent: PERMANENT },
  );
}
