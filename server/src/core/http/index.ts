export * from './errors.js';
export * from './principal.js';
export * from './route-guard.js';
export * from './request-meta.js';
export * from './pagination.js';
export * from './error-handler.js';
