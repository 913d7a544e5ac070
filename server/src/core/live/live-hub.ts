import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { isAppError } from '../http/errors.js';
import type { Authenticator, Principal } from '../http/principal.js';

/**
 * One WebSocket per browser at /api/ws (DESIGN.md "Runs, logs and live updates"). The client
 * authenticates (first message {"type":"auth","token"} or `?token=`), then subscribes to topics;
 * modules register a handler per topic prefix ("build-log:", "sync"). A slow client never grows
 * memory: past `maxBuffered` bytes frames are dropped and the client gets {"topic","gap":true}
 * so it refetches from its last offset.
 */
export interface Subscriber {
  principal: Principal;
  /** Send a frame on a topic; dropped (and a gap noted) while the socket is backed up. */
  send(topic: string, frame: Record<string, unknown>): void;
}

export interface TopicHandler {
  /** Start delivering `topic` to `sub`; throw an AppError to refuse. Returns how to stop. */
  subscribe(sub: Subscriber, topic: string, from: number | undefined): Promise<() => void>;
}

export interface LiveHubOptions {
  maxBuffered?: number;
  maxTopics?: number;
  authTimeoutMs?: number;
  /** How often a connection's token is checked again (a revoked session closes the socket). */
  recheckMs?: number;
}

// One frame broadcast to thousands of viewers is turned into text once, not once per socket.
const serialised = new WeakMap<object, { topic: string; text: string }>();
function serialise(topic: string, frame: Record<string, unknown>): string {
  const hit = serialised.get(frame);
  if (hit && hit.topic === topic) return hit.text;
  const text = JSON.stringify({ topic, ...frame });
  serialised.set(frame, { topic, text });
  return text;
}

type Incoming = { type?: unknown; token?: unknown; topic?: unknown; from?: unknown };

export class LiveHub {
  private readonly handlers = new Map<string, TopicHandler>();
  private readonly sockets = new Set<WebSocket>();
  private readonly opts: Required<LiveHubOptions>;

  constructor(opts: LiveHubOptions = {}) {
    this.opts = { maxBuffered: 1 << 20, maxTopics: 50, authTimeoutMs: 10_000, recheckMs: 60_000, ...opts };
  }

  register(prefix: string, handler: TopicHandler): void {
    this.handlers.set(prefix, handler);
  }

  connections(): number {
    return this.sockets.size;
  }

  private handlerFor(topic: string): TopicHandler | undefined {
    for (const [prefix, h] of this.handlers) if (topic === prefix || topic.startsWith(prefix)) return h;
    return undefined;
  }

  async install(app: FastifyInstance, authenticator: () => Authenticator): Promise<void> {
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    app.get(
      '/api/ws',
      {
        websocket: true,
        config: { auth: 'public' },
        schema: { summary: 'Live updates over WebSocket (auth, subscribe, unsubscribe)', tags: ['live'], hide: true },
      },
      (socket, req) => {
        const q = req.query as { token?: string };
        this.accept(socket, authenticator, typeof q.token === 'string' ? q.token : undefined);
      },
    );
    app.addHook('onClose', async () => {
      for (const s of this.sockets) s.close(1001, 'server shutting down');
    });
  }

  private accept(socket: WebSocket, authenticator: () => Authenticator, queryToken: string | undefined): void {
    this.sockets.add(socket);
    const subs = new Map<string, () => void>();
    const gaps = new Set<string>();
    let principal: Principal | null = null;
    let token = '';
    const raw = (frame: Record<string, unknown>) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
    };
    const sub: Subscriber = {
      get principal() {
        return principal!;
      },
      send: (topic, frame) => {
        if (!subs.has(topic)) return;
        if (socket.bufferedAmount > this.opts.maxBuffered) {
          gaps.add(topic);
          return;
        }
        if (gaps.delete(topic)) raw({ topic, gap: true });
        if (socket.readyState === socket.OPEN) socket.send(serialise(topic, frame));
      },
    };
    const authTimer = setTimeout(() => !principal && socket.close(4001, 'authenticate first'), this.opts.authTimeoutMs);
    let recheck: NodeJS.Timeout | undefined;
    const authenticate = async (t: string) => {
      const p = await authenticator().authenticate(t);
      if (!p || p.mustChangePassword || p.mustEnrollMfa) {
        raw({ type: 'error', code: 'UNAUTHENTICATED', message: 'The token is not valid; sign in again.' });
        socket.close(4001, 'unauthenticated');
        return;
      }
      principal = p;
      token = t;
      clearTimeout(authTimer);
      raw({ type: 'ready', user: p.username });
      recheck ??= setInterval(() => void authenticate(token), this.opts.recheckMs);
      recheck.unref();
    };
    const cleanup = () => {
      clearTimeout(authTimer);
      clearInterval(recheck);
      for (const stop of subs.values()) stop();
      subs.clear();
      this.sockets.delete(socket);
    };
    socket.on('close', cleanup);
    socket.on('error', cleanup);
    if (queryToken) void authenticate(queryToken).catch(() => socket.close(1011, 'error'));
    socket.on('message', (data) => {
      void this.onMessage(String(data), { raw, sub, subs, gaps, authenticate, isReady: () => principal !== null }).catch(() =>
        raw({ type: 'error', code: 'INTERNAL_ERROR', message: 'The message could not be handled.' }),
      );
    });
  }

  private async onMessage(
    text: string,
    c: {
      raw: (f: Record<string, unknown>) => void;
      sub: Subscriber;
      subs: Map<string, () => void>;
      gaps: Set<string>;
      authenticate: (t: string) => Promise<void>;
      isReady: () => boolean;
    },
  ): Promise<void> {
    let m: Incoming;
    try {
      m = JSON.parse(text) as Incoming;
    } catch {
      return c.raw({ type: 'error', code: 'INVALID_JSON', message: 'Frames are JSON objects.' });
    }
    if (m.type === 'auth' && typeof m.token === 'string') return c.authenticate(m.token);
    if (!c.isReady()) return c.raw({ type: 'error', code: 'UNAUTHENTICATED', message: 'Send {"type":"auth","token":"…"} first.' });
    const topic = typeof m.topic === 'string' ? m.topic.slice(0, 2048) : '';
    if (m.type === 'unsubscribe') {
      c.subs.get(topic)?.();
      c.subs.delete(topic);
      return;
    }
    if (m.type !== 'subscribe') return c.raw({ type: 'error', code: 'UNKNOWN_MESSAGE', message: 'Use auth, subscribe or unsubscribe.' });
    const handler = this.handlerFor(topic);
    if (!handler) return c.raw({ type: 'error', topic, code: 'UNKNOWN_TOPIC', message: `No such topic: ${topic}` });
    if (c.subs.size >= this.opts.maxTopics && !c.subs.has(topic))
      return c.raw({ type: 'error', topic, code: 'TOO_MANY_TOPICS', message: `At most ${this.opts.maxTopics} topics per connection.` });
    c.subs.get(topic)?.();
    c.subs.set(topic, () => undefined);
    c.gaps.delete(topic);
    try {
      const from = typeof m.from === 'number' && Number.isInteger(m.from) && m.from >= 0 ? m.from : undefined;
      const stop = await handler.subscribe(c.sub, topic, from);
      if (c.subs.has(topic)) c.subs.set(topic, stop);
      else stop();
    } catch (e) {
      c.subs.delete(topic);
      const code = isAppError(e) ? e.code : 'INTERNAL_ERROR';
      const message = isAppError(e) ? e.message : 'The subscription failed.';
      c.raw({ type: 'error', topic, code, message });
    }
  }
}
