import type { Key } from './types.js';

/** Encodes one id for a path segment. */
export function seg(id: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`an id must be a non-empty string, was ${JSON.stringify(id)}`);
  return encodeURIComponent(id);
}

/** An app key may contain `/`: each part is encoded, the slashes kept (the server reads them as part of the key). */
export function appKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError(`an app key must be a non-empty string, was ${JSON.stringify(key)}`);
  return key.split('/').map(encodeURIComponent).join('/');
}

/** `/v1/worlds/{w}` */
export function worldPath(worldId: string): string {
  return `/v1/worlds/${seg(worldId)}`;
}

/** The path of a key's value (GET/PUT/PATCH/DELETE) under a world's path. */
export function valuePath(world: string, key: Key): string {
  switch (key.table) {
    case 'player_states':
      return `${world}/players/${seg(key.playerId)}/state`;
    case 'entity_states':
      return `${world}/entities/${seg(key.entityId)}`;
    case 'world_state':
      return `${world}/state`;
    case 'app_data':
    case 'app_storage':
      return key.playerId == null
        ? `${world}/apps/${seg(key.appId)}/data/${appKey(key.key)}`
        : `${world}/apps/${seg(key.appId)}/players/${seg(key.playerId)}/data/${appKey(key.key)}`;
    default:
      throw new TypeError(`unknown table ${JSON.stringify((key as { table?: unknown }).table)}`);
  }
}

/** The path of a key's history under a world's path. */
export function historyPath(world: string, key: Key): string {
  switch (key.table) {
    case 'app_data':
    case 'app_storage':
      return key.playerId == null
        ? `${world}/apps/${seg(key.appId)}/history/${appKey(key.key)}`
        : `${world}/apps/${seg(key.appId)}/players/${seg(key.playerId)}/history/${appKey(key.key)}`;
    case 'world_state':
      return `${world}/state/history`;
    default:
      return `${valuePath(world, key)}/history`;
  }
}

/** The key as the batch and read bodies name it: `{table, <ids>}`. */
export function keyRef(key: Key): Record<string, string | null> {
  switch (key.table) {
    case 'player_states':
      return { table: 'player_states', playerId: key.playerId };
    case 'entity_states':
      return { table: 'entity_states', entityId: key.entityId };
    case 'world_state':
      return { table: 'world_state' };
    case 'app_data':
    case 'app_storage':
      return { table: 'app_storage', appId: key.appId, playerId: key.playerId ?? null, key: key.key };
    default:
      throw new TypeError(`unknown table ${JSON.stringify((key as { table?: unknown }).table)}`);
  }
}

/** A query string from defined parameters (`?a=1&b=x`), or `''`. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  let q = '';
  for (const name in params) {
    const v = params[name];
    if (v === undefined || v === null) continue;
    q += `${q ? '&' : '?'}${name}=${encodeURIComponent(String(v))}`;
  }
  return q;
}
