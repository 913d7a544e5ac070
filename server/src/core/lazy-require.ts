import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded the first time it is used, not at start-up (and left out of the server
 * bundle, which cannot see through `require`). `init` runs once, right after the load.
 */
export function lazyRequire<T>(specifier: string, init?: (mod: T) => void): () => T {
  let mod: T | undefined;
  return () => {
    if (mod === undefined) {
      mod = require(specifier) as T;
      init?.(mod);
    }
    return mod;
  };
}
