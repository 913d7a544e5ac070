import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { routeNotFoundBody } from './http/error-handler.js';

/**
 * Serves the built single-page app at /. Unknown non-API paths get index.html so client-side
 * routes survive a reload; unknown /api paths keep their JSON 404.
 */
export async function registerWebApp(app: FastifyInstance, dist: string): Promise<void> {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) {
    app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) =>
      reply
        .type('text/html')
        .send('<!doctype html><title>Gatehouse</title><p>The web app is not built. Run <code>npm run build</code>, then reload.</p>'),
    );
    app.setNotFoundHandler((req, reply) => reply.status(404).send(routeNotFoundBody(req.method, req.url)));
    return;
  }
  const html = readFileSync(index, 'utf8');
  // serve: false — only reply.sendFile. Serving every file as its own route (wildcard: false) globbed
  // web/dist at start and registered two routes per file (hundreds, several MB), and those routes
  // shadowed /assets/* below, so hashed assets went out without their immutable cache header.
  await app.register(fastifyStatic, { root: dist, serve: false, index: false, cacheControl: false });
  const sendIndex = (reply: { type: (t: string) => { header: (k: string, v: string) => { send: (b: string) => unknown } } }) =>
    reply.type('text/html').header('cache-control', 'no-cache').send(html);
  app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) => sendIndex(reply));
  app.get('/assets/*', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(join('assets', file));
  });
  app.setNotFoundHandler((req, reply) => {
    const get = req.method === 'GET';
    if ((get || req.method === 'HEAD') && !req.url.startsWith('/api/') && req.url !== '/api') {
      // Other files of the build (favicon.svg, index.html …), then the app itself for client routes.
      const path = req.url.split('?')[0];
      if (/\.[a-z0-9]+$/i.test(path) && existsSync(join(dist, path))) return reply.sendFile(path.slice(1));
      if (get) return sendIndex(reply as never);
    }
    return reply.status(404).send(routeNotFoundBody(req.method, req.url));
  });
}
