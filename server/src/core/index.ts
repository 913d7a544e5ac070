/** The public face of core; modules may also import a core file directly. */
export * from './http/index.js';
export * from './config/index.js';
export * from './crypto/index.js';
export * from './jobs/index.js';
export * from './clock.js';
export * from './db/db.js';
export * from './db/schema-helpers.js';
export * from './events/event-bus.js';
export type { AppContext } from './context.js';
export * from './permissions.js';
