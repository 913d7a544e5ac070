import { byBusinessCode, linkLabel, post, truncateBytes, type SendInput, type SendOutcome } from './http.js';

// WeCom answers HTTP 200 with errcode: 45009 rate limit, 93000 a wrong or revoked key, 40008 a bad
// msgtype; -1 "system busy" is transient. WeCom has no signing: the key in the URL is the credential.
const RATE_LIMITED = [45009];
const PERMANENT = [93000, 40008];

export function wecomBody(input: SendInput): Record<string, unknown> {
  const { message: m, config: c } = input;
  if (c.msgType === 'text') {
    const content = [m.title, m.text, m.link ?? ''].filter(Boolean).join('\n');
    const text: Record<string, unknown> = { content: truncateBytes(content, 2048) };
    if (c.atMobiles?.length) text.mentioned_mobile_list = c.atMobiles;
    if (c.atAll) text.mentioned_list = ['@all'];
    return { msgtype: 'text', text };
  }
  // WeCom's three colours: info green, comment grey, warning orange-red.
  const color = m.severity === 'info' ? 'info' : 'warning';
  const lines = [`**<font color="${color}">${m.title}</font>**`, ...m.text.split('\n').map((l) => (l ? `> ${l}` : l))];
  if (m.link) lines.push(`[${linkLabel(m)}](${m.link})`);
  return { msgtype: 'markdown', markdown: { content: truncateBytes(lines.join('\n'), 4096) } };
}

export async function sendWecom(input: SendInput): Promise<SendOutcome> {
  const request = JSON.stringify(wecomBody(input));
  const answer = await post(input.url!, request, {}, input.timeoutMs);
  return byBusinessCode(
    answer,
    request,
    input.now,
    (b) => (typeof b.errcode === 'number' ? { code: b.errcode, msg: String(b.errmsg ?? '') } : null),
    { rateLimited: RATE_LIMITED, permanent: PERMANENT },
  );
}
