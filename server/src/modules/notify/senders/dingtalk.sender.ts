import { createHmac } from 'node:crypto';
import { byBusinessCode, linkLabel, post, truncateBytes, type SendInput, type SendOutcome } from './http.js';

// DingTalk answers HTTP 200 with errcode; 130101 is its rate limit ("send too fast"), 310000 a
// failed security check (keyword, sign, timestamp, IP), 300001/300005 an unknown access_token.
const RATE_LIMITED = [130101];
const PERMANENT = [310000, 300001, 300005];

/** The reference's 加签: HMAC-SHA256 keyed with the secret over "timestamp\nsecret", Base64. */
export function dingtalkSign(timestampMs: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export function dingtalkBody(input: SendInput): Record<string, unknown> {
  const { message: m, config: c } = input;
  const mobiles = c.atMobiles ?? [];
  // The reference client appends "@<mobile>" to the text: without it the mention is not highlighted.
  const mentions = mobiles.map((x) => `@${x}`).join(' ');
  const at = { atMobiles: mobiles, isAtAll: c.atAll === true };
  if (c.msgType === 'text') {
    const content = [m.title, m.text, m.link ?? '', mentions].filter(Boolean).join('\n');
    return { msgtype: 'text', text: { content: truncateBytes(content, 18_000) }, at };
  }
  const lines = [`### ${m.title}`, ...m.text.split('\n').filter((l) => l.trim() !== '')];
  if (m.link) lines.push(`[${linkLabel(m)}](${m.link})`);
  if (mentions) lines.push(mentions);
  // A blank line between facts: DingTalk's markdown joins single newlines into one paragraph.
  return { msgtype: 'markdown', markdown: { title: m.title, text: truncateBytes(lines.join('\n\n'), 18_000) }, at };
}

export async function sendDingtalk(input: SendInput): Promise<SendOutcome> {
  const url = new URL(input.url!);
  if (input.secret) {
    const ts = String(input.now.getTime());
    url.searchParams.set('timestamp', ts);
    url.searchParams.set('sign', dingtalkSign(ts, input.secret)); // URLSearchParams encodes it, once
  }
  const request = JSON.stringify(dingtalkBody(input));
  const answer = await post(url.toString(), request, {}, input.timeoutMs);
  return byBusinessCode(
    answer,
    request,
    input.now,
    (b) => (typeof b.errcode === 'number' ? { code: b.errcode, msg: String(b.errmsg ?? '') } : null),
    { rateLimited: RATE_LIMITED, permanent: PERMANENT },
  );
}
