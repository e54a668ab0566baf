/**
 * CommonJS packages a run may never use (undici, gRPC, pg, ws), loaded on first use instead of at import: each
 * costs tens of ms of CPU to load, in the coordinator and again in every load thread, and a plain-HTTP run
 * (the common case) needs none of them.
 */
import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

/** Returns a function that loads `id` (with Node's require) the first time it is called. */
export function lazyPackage<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= requireFromHere(id) as T;
    return loaded;
  };
}
