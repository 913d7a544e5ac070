import { byStatus, linkLabel, post, type SendInput, type SendOutcome } from './http.js';

/** mrkdwn: &, < and > in our text must not become markup. */
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function slackBody(input: SendInput): Record<string, unknown> {
  const m = input.message;
  const link = m.link ? `\n<${m.link}|${esc(linkLabel(m))}>` : '';
  const section = `*${esc(m.title)}*\n${esc(m.text)}${link}`;
  return {
    // The fallback shown in notifications; always sent alongside blocks.
    text: cut(`${esc(m.title)}${link}`, 3000),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: cut(section, 3000) } }],
  };
}

/** Slack uses real status codes: 200 "ok"; 429 with Retry-After; 5xx transient; the rest permanent. */
export async function sendSlack(input: SendInput): Promise<SendOutcome> {
  const request = JSON.stringify(slackBody(input));
  const answer = await post(input.url!, request, {}, input.timeoutMs);
  return byStatus(answer, request, input.now);
}
