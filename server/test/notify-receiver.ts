import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stand-ins for the chat platforms, written from /work/shared/reference/chat-webhooks.md §5 (none
 * of the real services is reachable from here): one local server exposes DingTalk's /robot/send,
 * WeCom's /cgi-bin/webhook/send, Feishu's /open-apis/bot/v2/hook/:id, Slack's /services/:t/:b/:s and
 * a plain /hook/:name. Signatures are checked with the reference's algorithms (independently of
 * Gatehouse's code), answers use the platforms' real shapes — HTTP 200 with a business code for
 * DingTalk/WeCom/Feishu — and rate limits are enforced (20/min per DingTalk/WeCom key, 1/s Slack).
 */
export type Platform = 'dingtalk' | 'wecom' | 'feishu' | 'slack' | 'webhook';

export interface Received {
  platform: Platform;
  path: string;
  /** The request target as sent (path and still-encoded query). */
  rawUrl: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  raw: string;
  json: any;
  /** What the receiver answered. */
  answer: { status: number; body: string };
}

export interface Forced {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  of(platform: Platform): Received[];
  /** The next answers for a platform, in order, instead of the normal ones. */
  force(platform: Platform, ...answers: Forced[]): void;
  /** Signing secrets: DingTalk by access_token, Feishu by hook id. */
  secrets: { dingtalk: Record<string, string>; feishu: Record<string, string> };
  close(): Promise<void>;
}

const dingSign = (ts: string, secret: string) => createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
const feishuSign = (ts: string, secret: string) => createHmac('sha256', `${ts}\n${secret}`).digest('base64');

function platformOf(path: string): Platform | null {
  if (path === '/robot/send') return 'dingtalk';
  if (path === '/cgi-bin/webhook/send') return 'wecom';
  if (/^\/open-apis\/bot\/v2\/hook\/[^/]+$/.test(path)) return 'feishu';
  if (/^\/services\/[^/]+\/[^/]+\/[^/]+$/.test(path)) return 'slack';
  if (/^\/hook\/[^/]+$/.test(path)) return 'webhook';
  return null;
}

export async function startReceiver(opts: { now: () => number }): Promise<Receiver> {
  const received: Received[] = [];
  const forced: Record<string, Forced[]> = {};
  const secrets = { dingtalk: {} as Record<string, string>, feishu: {} as Record<string, string> };
  const sent: Record<string, number[]> = {};

  /** Sliding-window limit per key on the test's clock. */
  const overLimit = (key: string, max: number, windowMs: number) => {
    const now = opts.now();
    const times = (sent[key] = (sent[key] ?? []).filter((t) => now - t < windowMs));
    if (times.length >= max) return true;
    times.push(now);
    return false;
  };

  function normal(p: Platform, path: string, q: Record<string, string>, json: any): Forced {
    if (p === 'dingtalk') {
      const secret = secrets.dingtalk[q.access_token];
      if (secret !== undefined) {
        const ts = Number(q.timestamp);
        if (!q.timestamp || Math.abs(opts.now() - ts) > 3_600_000) return { body: { errcode: 310000, errmsg: 'invalid timestamp' } };
        // URLSearchParams decodes once, as DingTalk does: an unencoded '+' would arrive as ' '.
        if (q.sign !== dingSign(q.timestamp, secret)) return { body: { errcode: 310000, errmsg: 'sign not match' } };
      }
      if (!['text', 'markdown'].includes(json?.msgtype)) return { body: { errcode: 40035, errmsg: 'invalid msgtype' } };
      if (overLimit(`ding:${q.access_token}`, 20, 60_000))
        return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
      return { body: { errcode: 0, errmsg: 'ok' } };
    }
    if (p === 'wecom') {
      if (!q.key) return { body: { errcode: 93000, errmsg: 'invalid webhook url, hint: [x]' } };
      if (overLimit(`wecom:${q.key}`, 20, 60_000)) return { body: { errcode: 45009, errmsg: 'api freq out of limit' } };
      return { body: { errcode: 0, errmsg: 'ok' } };
    }
    if (p === 'feishu') {
      const secret = secrets.feishu[path.split('/').pop()!];
      if (secret !== undefined) {
        const ts = Number(json?.timestamp);
        if (
          typeof json?.timestamp !== 'string' ||
          Math.abs(opts.now() / 1000 - ts) > 3600 ||
          json.sign !== feishuSign(json.timestamp, secret)
        )
          return { body: { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' } };
      }
      return { body: { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' } };
    }
    if (p === 'slack') {
      if (overLimit(`slack:${path}`, 1, 1000)) return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
      if (typeof json?.text !== 'string' && !json?.blocks) return { status: 400, body: 'no_text' };
      return { status: 200, body: 'ok' };
    }
    return { status: 204, body: '' };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const p = platformOf(u.pathname);
      if (!p) {
        res.writeHead(404).end('not found');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: any = null;
      try {
        json = JSON.parse(raw);
      } catch {
        json = null;
      }
      const query = Object.fromEntries(u.searchParams);
      const a = forced[p]?.shift() ?? normal(p, u.pathname, query, json);
      const status = a.status ?? 200;
      const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      received.push({
        platform: p,
        path: u.pathname,
        rawUrl: req.url ?? '',
        query,
        headers: req.headers,
        raw,
        json,
        answer: { status, body },
      });
      const type = typeof a.body === 'string' ? 'text/html' : 'application/json';
      const send = () => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': type, ...a.headers }).end(body);
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    of: (platform) => received.filter((r) => r.platform === platform),
    force(platform, ...answers) {
      (forced[platform] ??= []).push(...answers);
    },
    secrets,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
