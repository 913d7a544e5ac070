export * from './config.schema.js';
export * from './config.loader.js';
