import type ssh2Types from 'ssh2';
import { lazyRequire } from '../../../core/lazy-require.js';

/**
 * ssh2 with its crypto bindings is about 15 MB of memory; it is loaded the first time Gatehouse
 * speaks SSH or reads a key, not at start, so an install that never uses automation never pays.
 */
export const loadSsh2 = lazyRequire<typeof ssh2Types>('ssh2');
