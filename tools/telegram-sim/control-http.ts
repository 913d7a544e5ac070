/**
 * The control surface over HTTP for the standalone server: /__control/<name>, JSON bodies,
 * answers {"ok":true,"result":…} or 400 {"ok":false,"error":"…"}. Names as in README.md.
 */
import type { Reply } from './server.js';
import type { TelegramSim } from './index.js';

type Route = (sim: TelegramSim, body: Record<string, unknown>, url: URL) => unknown;

const num = (v: string | null) => (v === null || v === '' ? undefined : Number(v));

const ROUTES: Record<string, Route> = {
  sendusermessage: (sim, b) => sim.sendUserMessage(b as never),
  pressbutton: (sim, b) => sim.pressButton(b as never),
  botmessages: (sim, b, url) => sim.botMessages(num(url.searchParams.get('chatId')) ?? (b.chatId as number | undefined)),
  calls: (sim, b, url) => sim.calls(url.searchParams.get('method') ?? (b.method as string | undefined)),
  callbackanswers: (sim) => sim.callbackAnswers(),
  fault: (sim, b) => (sim.fault(b as never), true),
  reset: (sim) => (sim.reset(), true),
  setchatstatus: (sim, b) => (sim.setChatStatus(Number(b.chatId), b.status as never), true),
  mycommands: (sim, b) => sim.myCommands(b.scope, b.language_code as string | undefined),
};

export function controlHandler(getSim: () => TelegramSim) {
  return async (name: string, url: URL, raw: Buffer): Promise<Reply> => {
    const route = ROUTES[name.toLowerCase()];
    if (!route) return { status: 404, headers: {}, body: { ok: false, error: `unknown control ${name}` } };
    try {
      const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      return { status: 200, headers: {}, body: { ok: true, result: route(getSim(), body, url) ?? null } };
    } catch (e) {
      return { status: 400, headers: {}, body: { ok: false, error: (e as Error).message } };
    }
  };
}
