import { writeKey, type Transport } from './http.js';
import { keyRef, worldPath } from './keys.js';
import type { BatchSaved, CallOptions, JsonValue, Key } from './types.js';
import { entityData, type EntityLike } from './entity.js';

/** A change's condition inside a batch: at most one of them. */
export interface Condition {
  /** Apply only if the key is at this version. */
  ifVersion?: number;
  /** Apply only if the key holds no value. */
  ifAbsent?: boolean;
}

/**
 * A world transaction under construction (`persistence.batch()`): changes to keys of one world,
 * each with its own optional condition, committed as ONE change event: every node applies all of
 * it or none of it, at one log position. A key may appear once; at most `batch.max.changes`
 * changes (1000 by default) and `batch.max.bytes` of JSON (8 MiB).
 *
 * Every method but `commit` returns the batch, so calls chain.
 */
export class Batch {
  private readonly changes: Array<Record<string, unknown>> = [];
  private conditional = true;

  /** @internal */
  constructor(
    private readonly transport: Transport,
    private readonly worldId: string,
  ) {}

  /** Number of changes added so far. */
  get size(): number {
    return this.changes.length;
  }

  /** Replaces a key's value. */
  put(key: Key, value: JsonValue | object, condition?: Condition): this {
    return this.add({ op: 'put', ...keyRef(key), value }, condition);
  }

  /** Applies an RFC 7396 JSON Merge Patch to a key's value (absent: the patch applied to `{}`). */
  patch(key: Key, patch: JsonValue | object, condition?: Condition): this {
    return this.add({ op: 'merge-patch', ...keyRef(key), patch }, condition);
  }

  /** Deletes a key. */
  delete(key: Key, condition?: Condition): this {
    return this.add({ op: 'delete', ...keyRef(key) }, condition);
  }

  savePlayerState(playerId: string, state: object, condition?: Condition): this {
    return this.put({ table: 'player_states', playerId }, state, condition);
  }

  patchPlayerState(playerId: string, patch: object, condition?: Condition): this {
    return this.patch({ table: 'player_states', playerId }, patch, condition);
  }

  deletePlayerState(playerId: string, condition?: Condition): this {
    return this.delete({ table: 'player_states', playerId }, condition);
  }

  /** Saves an entity: a plain object with `id`, or a Hyperfy entity (`serialize()` or `data`). */
  saveEntity(entity: EntityLike, condition?: Condition): this {
    const data = entityData(entity);
    return this.put({ table: 'entity_states', entityId: data['id'] as string }, data, condition);
  }

  patchEntity(entityId: string, patch: object, condition?: Condition): this {
    return this.patch({ table: 'entity_states', entityId }, patch, condition);
  }

  deleteEntity(entityId: string, condition?: Condition): this {
    return this.delete({ table: 'entity_states', entityId }, condition);
  }

  saveWorldState(state: object, condition?: Condition): this {
    return this.put({ table: 'world_state' }, state, condition);
  }

  patchWorldState(patch: object, condition?: Condition): this {
    return this.patch({ table: 'world_state' }, patch, condition);
  }

  /** App data of one player, or world-wide with `playerId` null. */
  saveAppData(appId: string, playerId: string | null, key: string, data: JsonValue | object, condition?: Condition): this {
    return this.put({ table: 'app_data', appId, playerId, key }, data, condition);
  }

  deleteAppData(appId: string, playerId: string | null, key: string, condition?: Condition): this {
    return this.delete({ table: 'app_data', appId, playerId, key }, condition);
  }

  /**
   * Sends the batch (`POST /v1/worlds/{w}/batch`) with an idempotency key: the caller's, or a
   * fresh UUID per commit. Retried on 503 (`OUTCOME_UNKNOWN` included) and connection failures:
   * a retry of a batch the server applied answers that batch's outcome with `replayed: true` and
   * changes nothing. `idempotencyKey: false` sends none; then only a batch whose every change
   * carries a condition is retried (its retry answers `BATCH_CONFLICT`).
   *
   * Changes that change nothing are skipped by the server, not refused: a delete of an absent key,
   * a merge patch whose result equals the value (its item keeps the key's version).
   *
   * @returns the batch's position, the version every changed key now has, each change's key, and
   *   `replayed` (true when an earlier attempt with the same key had applied it)
   * @throws WorldStoreError `BATCH_CONFLICT` (409) with `failures` listing every change whose
   *   condition failed (nothing applied); 400/422 naming the change (`changes[3].value.position`);
   *   422 `IDEMPOTENCY_KEY_REUSED` when the key was used by another write of the world
   */
  async commit(options: CallOptions & { idempotencyKey?: string | false } = {}): Promise<BatchSaved & { replayed: boolean }> {
    if (this.changes.length === 0) throw new TypeError('a batch holds at least one change');
    const idempotencyKey = writeKey(options.idempotencyKey, this.transport.retryOptions.maxRetries);
    const answer = await this.transport.send({
      method: 'POST',
      path: `${worldPath(this.worldId)}/batch`,
      body: JSON.stringify({ changes: this.changes }),
      retry: this.conditional || idempotencyKey !== undefined ? 'idempotent' : 'unsafe',
      scope: this.worldId,
      write: true,
      idempotencyKey,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    const saved = answer!.body as BatchSaved & { replayed: boolean };
    saved.replayed = saved.replayed === true;
    return saved;
  }

  private add(change: Record<string, unknown>, condition: Condition | undefined): this {
    if (condition?.ifVersion !== undefined) change['ifVersion'] = condition.ifVersion;
    else if (condition?.ifAbsent) change['ifAbsent'] = true;
    else this.conditional = false;
    this.changes.push(change);
    return this;
  }
}
