/**
 * @worldstore/client — the Node.js client of worldstore's HTTP API.
 *
 * ```ts
 * import { WorldStore } from '@worldstore/client';
 * const store = new WorldStore({ url: 'http://127.0.0.1:8080', apiKey: process.env.WORLDSTORE_KEY });
 * const persistence = store.world('world-1');
 * ```
 *
 * @packageDocumentation
 */
export { WorldStore, type WorldStoreOptions } from './client.js';
export { WorldPersistence, type PageOptions, type UpdateOptions, type Updated } from './world.js';
export { Batch, type Condition } from './batch.js';
export type { ChangesOptions, SubscribeOptions, Subscription } from './changes.js';
export type { EntityLike } from './entity.js';
export type { RetryOptions } from './http.js';
export { WorldStoreError, WorldStoreNetworkError, WorldStoreTimeoutError } from './errors.js';
export type * from './types.js';
export type { components, paths, operations } from './generated/openapi.js';
