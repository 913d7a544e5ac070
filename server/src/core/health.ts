import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Database } from './db/db.js';

interface HealthDeps {
  database: Database;
  checks: Array<() => { name: string; ok: boolean; detail?: string }>;
  version: string;
  startedAt: number;
}

/** GET /health: 200 when the database answers, 503 when it does not; jobs are reported alongside. */
export function registerHealth(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/health',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness',
        response: {
          200: Type.Object({
            status: Type.String(),
            database: Type.String(),
            dialect: Type.String(),
            components: Type.Record(Type.String(), Type.Unknown()),
            version: Type.String(),
            uptimeSeconds: Type.Number(),
          }),
          503: Type.Object({
            status: Type.String(),
            database: Type.String(),
            dialect: Type.String(),
            components: Type.Record(Type.String(), Type.Unknown()),
            version: Type.String(),
            uptimeSeconds: Type.Number(),
          }),
        },
      },
    },
    async (_req, reply) => {
      let database = 'ok';
      try {
        await Promise.race([deps.database.ping(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000).unref())]);
      } catch (e) {
        database = `unavailable: ${(e as Error).message}`;
      }
      const components = Object.fromEntries(deps.checks.map((c) => c()).map((c) => [c.name, { ok: c.ok, detail: c.detail }]));
      const ok = database === 'ok';
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unavailable',
        database,
        dialect: deps.database.dialect,
        components,
        version: deps.version,
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      });
    },
  );
}
