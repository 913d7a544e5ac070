export * from './secret-box.js';
export * from './master-key.js';
