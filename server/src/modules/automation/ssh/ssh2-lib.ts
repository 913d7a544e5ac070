import { createRequire } from 'node:module';
import type ssh2Types from 'ssh2';

const require = createRequire(import.meta.url);
let lib: typeof ssh2Types | undefined;

/**
 * ssh2 with its crypto bindings is about 15 MB of memory; it is loaded the first time Gatehouse
 * speaks SSH or reads a key, not at start, so an install that never uses automation never pays.
 */
export function ssh2(): typeof ssh2Types {
  return (lib ??= require('ssh2') as typeof ssh2Types);
}
