import { ref, watch } from 'vue';
import { api } from '@/api/client';
import { tokens } from '@/api/session';

/**
 * The browser's one WebSocket (/api/ws?token=…), shared by every live view. Views subscribe to
 * topics; after a reconnect each subscription is sent again with the offset it wants to resume
 * from, so nothing in between is lost or shown twice. The socket closes when nobody listens.
 */

export interface SocketFrame {
  topic?: string;
  type?: string;
  gap?: boolean;
  [key: string]: unknown;
}

export interface Subscription {
  topic: string;
  /** Where to resume, sent with every (re)subscribe. */
  from?: () => number | undefined;
  onFrame: (frame: SocketFrame) => void;
  /** The socket is gone for now (it reconnects by itself); views may fall back to polling. */
  onDown?: () => void;
}

export type SocketState = 'idle' | 'connecting' | 'open' | 'closed';
export const socketState = ref<SocketState>('idle');

const subs = new Set<Subscription>();
let ws: WebSocket | null = null;
// The server answers {"type":"ready"} once the token is checked; only then may we subscribe.
let ready = false;
let attempts = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function socketUrl(token: string): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${window.location.host}/api/ws?token=${encodeURIComponent(token)}`;
}

function send(msg: Record<string, unknown>): void {
  if (ready && ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function sendSubscribe(s: Subscription): void {
  const from = s.from?.();
  send({ type: 'subscribe', topic: s.topic, ...(from !== undefined ? { from } : {}) });
}

function onReady(): void {
  ready = true;
  attempts = 0;
  socketState.value = 'open';
  for (const s of subs) sendSubscribe(s);
}

function dispatch(raw: unknown): void {
  let frame: SocketFrame;
  try {
    frame = JSON.parse(String(raw)) as SocketFrame;
  } catch {
    return;
  }
  if (!frame.topic && frame.type === 'ready') return onReady();
  // Frames without a topic are about the connection (say, the token was refused): the close that follows handles them.
  if (!frame.topic) return;
  for (const s of [...subs]) if (s.topic === frame.topic) s.onFrame(frame);
}

function scheduleReconnect(wasReady: boolean): void {
  if (!subs.size || !tokens.value) return;
  attempts++;
  const delay = Math.min(1000 * 2 ** Math.min(attempts - 1, 4), 15_000);
  retryTimer = setTimeout(async () => {
    // Closed before the token was accepted: it may have expired. Any API call refreshes it.
    if (!wasReady) await api.GET('/api/me').catch(() => undefined);
    connect();
  }, delay);
}

function connect(): void {
  clearTimeout(retryTimer);
  if (ws || !tokens.value || !subs.size) return;
  socketState.value = 'connecting';
  ready = false;
  const socket = new WebSocket(socketUrl(tokens.value.accessToken));
  ws = socket;
  socket.onmessage = (e) => {
    if (ws === socket) dispatch(e.data);
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    const wasReady = ready;
    ws = null;
    ready = false;
    socketState.value = 'closed';
    for (const s of [...subs]) s.onDown?.();
    scheduleReconnect(wasReady);
  };
}

function closeSocket(): void {
  clearTimeout(retryTimer);
  const s = ws;
  ws = null;
  ready = false;
  s?.close();
  socketState.value = 'idle';
}

/** Start listening; the returned function stops (and unsubscribes the topic when nobody else listens to it). */
export function subscribe(s: Subscription): () => void {
  clearTimeout(idleTimer);
  subs.add(s);
  if (ready) sendSubscribe(s);
  else connect();
  return () => {
    if (!subs.delete(s)) return;
    if (![...subs].some((o) => o.topic === s.topic)) send({ type: 'unsubscribe', topic: s.topic });
    // Keep the socket a moment: the next page often subscribes again at once.
    if (!subs.size) idleTimer = setTimeout(closeSocket, 10_000);
  };
}

/** Ask again from the subscription's current offset (after a gap or out-of-order frames). */
export function resubscribe(s: Subscription): void {
  if (subs.has(s)) sendSubscribe(s);
}

export const socketOpen = () => ready && ws?.readyState === WebSocket.OPEN;

// Signing out ends the socket; signing in again opens a new one when a view subscribes.
watch(
  () => tokens.value?.accessToken,
  (token, old) => {
    if (!token) closeSocket();
    else if (old && token !== old && !ws) connect();
  },
);
