import type { JsonObject } from './types.js';

/**
 * What `saveEntity` accepts: a plain object with a string `id`, or an object shaped like a
 * Hyperfy entity: one with `serialize()` returning its data, or one holding its data (with `id`)
 * in `data`. Hyperfy's `position: [x, y, z]` and `quaternion: [x, y, z, w]` arrays are kept as they are.
 */
export type EntityLike = { id: string; [key: string]: unknown } | { serialize(): object } | { data: { id: string } };

/** The JSON object to store for an entity. @throws TypeError when it has no string id */
export function entityData(entity: EntityLike): JsonObject {
  if (entity === null || typeof entity !== 'object') throw new TypeError('an entity must be an object');
  const e = entity as Record<string, unknown>;
  let data: unknown;
  if (typeof e['serialize'] === 'function') {
    data = (e['serialize'] as () => unknown).call(entity);
  } else if (isObject(e['data']) && typeof (e['data'] as Record<string, unknown>)['id'] === 'string' && (e['id'] === undefined || e['id'] === (e['data'] as Record<string, unknown>)['id'])) {
    data = e['data'];
  } else {
    data = entity;
  }
  if (!isObject(data)) throw new TypeError('an entity must serialize to a JSON object');
  const id = (data as Record<string, unknown>)['id'];
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`an entity needs a string id, was ${JSON.stringify(id)}`);
  return data as JsonObject;
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
