import { Batch } from './batch.js';
import { changeFeed, subscribe, type ChangesOptions, type SubscribeOptions, type Subscription } from './changes.js';
import { entityData, type EntityLike } from './entity.js';
import { WorldStoreError } from './errors.js';
import { delay, writeKey, type Transport } from './http.js';
import { appKey, historyPath, keyRef, query, seg, valuePath, worldPath } from './keys.js';
import type { WorldStore } from './client.js';
import type {
  CallOptions,
  ChangeEvent,
  ForkResult,
  HistoryEntry,
  HistoryPage,
  JsonObject,
  JsonValue,
  Key,
  Player,
  PlayerData,
  ReadOptions,
  RestoreResult,
  Saved,
  Snapshot,
  Versioned,
  WriteOptions,
} from './types.js';

/** Options of paged reads: each page is one request with its own `timeoutMs`. */
export interface PageOptions extends CallOptions {
  /** Items per request, 1 to 1000 (default 100 for lists, 1000 for `loadEntities`). */
  pageSize?: number;
}

/** Options of `update()`. */
export interface UpdateOptions extends CallOptions {
  /** Attempts before giving up on conflicts (default 10); the last conflict is then thrown. */
  maxAttempts?: number;
}

/** What `update()` returns. */
export interface Updated<T> {
  /** The value now stored (what `fn` returned), or the unchanged value when `fn` returned `undefined`. */
  value: T | null;
  /** Its version. */
  version: number | null;
  /** The write's log position; undefined when nothing was written. */
  position?: string;
  /** Attempts it took (1 without conflicts). */
  attempts: number;
}

/**
 * One world's persistence: the guide's calls (`savePlayerState`, `loadEntities`, ...), plus what
 * multi-server worlds need: batches, consistent multi-key reads, optimistic `update`, the change
 * feed, history and time travel. Get one with `store.world(worldId)`; it is cheap and stateless
 * (read-your-writes positions live in the `WorldStore`).
 *
 * Every call returns a promise, takes `{ signal, timeoutMs }`, and rejects with
 * `WorldStoreError` (the server's status and code), `WorldStoreNetworkError`,
 * `WorldStoreTimeoutError`, or the signal's reason when aborted.
 */
export class WorldPersistence {
  private readonly base: string;

  /** @internal */
  constructor(
    private readonly transport: Transport,
    private readonly store: WorldStore,
    /** The world's id. */
    readonly worldId: string,
  ) {
    this.base = worldPath(worldId);
  }

  // ---- the guide's calls ------------------------------------------------------------------------

  /**
   * Saves a player's state in this world (replaces it): `position` `{x,y,z}` or `[x,y,z]`,
   * `rotation` `{x,y,z,w}`, and any custom fields at the top level.
   *
   * @throws WorldStoreError 422 `INVALID_SHAPE` (e.g. a position of 2 numbers, `field` names it),
   *   413 `VALUE_TOO_LARGE`, 412 `VERSION_CONFLICT`/`ALREADY_EXISTS` with `ifVersion`/`ifAbsent`
   */
  savePlayerState(playerId: string, state: object, options?: WriteOptions): Promise<Saved> {
    return this.put(`${this.base}/players/${seg(playerId)}/state`, state, options);
  }

  /**
   * Loads a player's state exactly as saved (custom fields at the top level).
   *
   * @returns the state, or `null` when the player has none in this world
   */
  loadPlayerState<T = JsonObject>(playerId: string, options?: ReadOptions): Promise<T | null> {
    return this.get<T>(`${this.base}/players/${seg(playerId)}/state`, options);
  }

  /**
   * Merges `patch` into a player's state (RFC 7396: `null` removes a field; a missing state is
   * created). A patch that changes nothing records nothing and answers the unchanged version.
   */
  patchPlayerState(playerId: string, patch: object, options?: WriteOptions): Promise<Saved> {
    return this.patch(`${this.base}/players/${seg(playerId)}/state`, patch, options);
  }

  /**
   * Deletes a player's state in this world.
   *
   * @returns the delete's version and position, or `null` when the player had no state here
   *   (the server answers 404 `KEY_NOT_FOUND` and records nothing)
   */
  deletePlayerState(playerId: string, options?: WriteOptions): Promise<Saved | null> {
    return this.remove(`${this.base}/players/${seg(playerId)}/state`, options);
  }

  /**
   * Saves an entity: a plain object with a string `id`, or a Hyperfy-style entity with
   * `serialize()` or `data` (its `position`/`quaternion` arrays are stored as they are).
   *
   * @throws TypeError when the entity has no string id
   */
  async saveEntity(entity: EntityLike, options?: WriteOptions): Promise<Saved> {
    const data = entityData(entity);
    return this.put(`${this.base}/entities/${seg(data['id'] as string)}`, data, options);
  }

  /** Loads one entity exactly as saved, or `null`. */
  loadEntity<T = JsonObject>(entityId: string, options?: ReadOptions): Promise<T | null> {
    return this.get<T>(`${this.base}/entities/${seg(entityId)}`, options);
  }

  /**
   * Loads every entity of the world, in id order, paging internally (1000 per request). For large
   * worlds iterate `entities()` instead, which holds one page at a time.
   */
  async loadEntities<T = JsonObject>(options: PageOptions & { type?: string } = {}): Promise<T[]> {
    const all: T[] = [];
    for await (const e of this.entities<T>({ pageSize: 1000, ...options })) all.push(e);
    return all;
  }

  /** Every entity of the world (optionally only those whose `metadata.type` or `type` is `type`), one page at a time. */
  async *entities<T = JsonObject>(options: PageOptions & { type?: string } = {}): AsyncGenerator<T, void, undefined> {
    let cursor: string | null | undefined;
    do {
      const page = await this.send('GET', `${this.base}/entities${query({ limit: options.pageSize ?? 100, type: options.type, cursor })}`, options);
      for (const item of page.items as T[]) yield item;
      cursor = page.next;
    } while (cursor);
  }

  /** Merges `patch` into an entity (RFC 7396). A patch that changes nothing records nothing and answers the unchanged version. */
  patchEntity(entityId: string, patch: object, options?: WriteOptions): Promise<Saved> {
    return this.patch(`${this.base}/entities/${seg(entityId)}`, patch, options);
  }

  /**
   * Deletes an entity.
   *
   * @returns the delete's version and position, or `null` when there was no such entity (nothing recorded)
   */
  deleteEntity(entityId: string, options?: WriteOptions): Promise<Saved | null> {
    return this.remove(`${this.base}/entities/${seg(entityId)}`, options);
  }

  /** Saves the world's state (replaces it): any JSON object. */
  saveWorldState(state: object, options?: WriteOptions): Promise<Saved> {
    return this.put(`${this.base}/state`, state, options);
  }

  /** Loads the world's state exactly as saved, or `null`. */
  loadWorldState<T = JsonObject>(options?: ReadOptions): Promise<T | null> {
    return this.get<T>(`${this.base}/state`, options);
  }

  /** Merges `patch` into the world's state (RFC 7396). */
  patchWorldState(patch: object, options?: WriteOptions): Promise<Saved> {
    return this.patch(`${this.base}/state`, patch, options);
  }

  /**
   * Saves an app's data under `key`: for one player, or world-wide with `playerId` null. Apps
   * never see each other's keys. `key`: 1–256 of `A-Z a-z 0-9 _ - . : @ $ /`.
   */
  saveAppData(appId: string, playerId: string | null, key: string, data: JsonValue | object, options?: WriteOptions): Promise<Saved> {
    return this.put(this.appPath(appId, playerId, key), data, options);
  }

  /** Loads an app's data, or `null`. */
  loadAppData<T = JsonValue>(appId: string, playerId: string | null, key: string, options?: ReadOptions): Promise<T | null> {
    return this.get<T>(this.appPath(appId, playerId, key), options);
  }

  /**
   * Lists an app's data (one player's, or world-wide with `playerId` null) in key order,
   * optionally only keys starting with `prefix`; pages internally.
   */
  async listAppData<T = JsonValue>(
    appId: string,
    playerId: string | null,
    options: PageOptions & { prefix?: string } = {},
  ): Promise<Array<{ key: string; value: T; version: number }>> {
    const all: Array<{ key: string; value: T; version: number }> = [];
    for await (const item of this.appData<T>(appId, playerId, { pageSize: 1000, ...options })) all.push(item);
    return all;
  }

  /** An app's data one page at a time (see `listAppData`). */
  async *appData<T = JsonValue>(
    appId: string,
    playerId: string | null,
    options: PageOptions & { prefix?: string } = {},
  ): AsyncGenerator<{ key: string; value: T; version: number }, void, undefined> {
    const path = playerId == null ? `${this.base}/apps/${seg(appId)}/data` : `${this.base}/apps/${seg(appId)}/players/${seg(playerId)}/data`;
    let cursor: string | null | undefined;
    do {
      const page = await this.send('GET', path + query({ limit: options.pageSize ?? 100, prefix: options.prefix, cursor }), options);
      for (const item of page.items) yield item;
      cursor = page.next;
    } while (cursor);
  }

  /**
   * Deletes an app's data under `key`.
   *
   * @returns the delete's version and position, or `null` when nothing was stored there (nothing recorded)
   */
  deleteAppData(appId: string, playerId: string | null, key: string, options?: WriteOptions): Promise<Saved | null> {
    return this.remove(this.appPath(appId, playerId, key), options);
  }

  /** Registers a player (global, see `WorldStore.registerPlayer`). */
  registerPlayer(username: string, options?: CallOptions & { id?: string }): Promise<Player> {
    return this.store.registerPlayer(username, options);
  }

  /** A registered player, or `null` (see `WorldStore.getPlayer`). */
  getPlayer(playerId: string, options?: ReadOptions): Promise<Player | null> {
    return this.store.getPlayer(playerId, options);
  }

  /** Everything of one player in this world in one consistent read: state and data in every app the key may use. */
  async loadPlayerData(playerId: string, options?: ReadOptions): Promise<PlayerData> {
    return this.send('GET', `${this.base}/players/${seg(playerId)}`, options);
  }

  // ---- generic keys ---------------------------------------------------------------------------

  /**
   * Reads one key with its version (for conditional writes), or `null`.
   * `asOf` reads the value as it was then (its version then).
   */
  async read<T = JsonObject>(key: Key, options: ReadOptions = {}): Promise<Versioned<T> | null> {
    const path = valuePath(this.base, key) + asOfQuery(options.asOf);
    const answer = await this.transport.send({ method: 'GET', path, retry: 'idempotent', scope: this.worldId, notFoundIsNull: true, ...callOpts(options) });
    if (answer === null) return null;
    return { value: answer.body as T, version: etagVersion(answer.headers.get('etag')) };
  }

  /** Writes one key (replaces its value), under an optional condition. */
  write(key: Key, value: JsonValue | object, options?: WriteOptions): Promise<Saved> {
    return this.put(valuePath(this.base, key), value, options);
  }

  /**
   * Reads many keys of this world in one consistent snapshot (`POST /v1/worlds/{w}/read`): no
   * batch is seen half applied.
   *
   * @returns one entry per key, in order: `{value, version}`, or `null` when the key holds nothing
   */
  async readMany<T = JsonValue>(keys: Key[], options: ReadOptions = {}): Promise<Array<Versioned<T> | null>> {
    const body = await this.send('POST', `${this.base}/read`, options, JSON.stringify({ keys: keys.map(keyRef) }));
    return (body.items as Array<{ missing?: boolean; value: T; version: number }>).map((i) => (i.missing ? null : { value: i.value, version: i.version }));
  }

  /**
   * Read, change, write with `If-Match`, retrying on conflict: the safe read-modify-write. `fn`
   * gets the current value (`null` when absent) and returns the new one (or a promise of it), or
   * `undefined` to write nothing. On a conflict the key is read again, at least at the version
   * the conflict named, and `fn` runs again, up to `maxAttempts` times.
   *
   * `fn` may run more than once: keep it free of side effects.
   *
   * @throws WorldStoreError `VERSION_CONFLICT`/`ALREADY_EXISTS` when still conflicting after `maxAttempts`
   */
  async update<T = JsonObject>(
    key: Key,
    fn: (current: T | null, version: number | null) => T | undefined | Promise<T | undefined>,
    options: UpdateOptions = {},
  ): Promise<Updated<T>> {
    const maxAttempts = options.maxAttempts ?? 10;
    let atLeast: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const current = await this.read<T>(key, { ...callOpts(options), ...(atLeast ? { position: atLeast } : {}) });
      const next = await fn(current ? current.value : null, current ? current.version : null);
      if (next === undefined) return { value: current ? current.value : null, version: current ? current.version : null, attempts: attempt };
      try {
        const saved = await this.put(valuePath(this.base, key), next as object, {
          ...callOpts(options),
          ...(current ? { ifVersion: current.version } : { ifAbsent: true }),
        });
        return { value: next, version: saved.version, position: saved.position, attempts: attempt };
      } catch (e) {
        if (!(e instanceof WorldStoreError) || (e.code !== 'VERSION_CONFLICT' && e.code !== 'ALREADY_EXISTS')) throw e;
        if (e.maybeApplied && current && (await this.wasApplied(key, current.version, next, options))) {
          const now = await this.read<T>(key, callOpts(options));
          return { value: next, version: now?.version ?? null, attempts: attempt };
        }
        if (attempt >= maxAttempts) throw e;
        // read at least what the conflict saw (versions are offsets in this world's partition)
        const partition = this.transport.positions.partition(this.worldId);
        atLeast = partition !== undefined && typeof e.currentVersion === 'number' ? `${partition}-${e.currentVersion}` : undefined;
        await delay(Math.random() * Math.min(100, 5 * 2 ** attempt), options.signal);
      }
    }
  }

  /**
   * After a conditional write whose first attempt may have applied and whose retry conflicted:
   * was the change right after `expected` this call's own value? (It can only have applied at the
   * first version after `expected`.) Equal values written by someone else at that very version are
   * indistinguishable; see the README.
   */
  private async wasApplied(key: Key, expected: number, value: unknown, options: CallOptions): Promise<boolean> {
    let before: string | null | undefined;
    let oldest: HistoryEntry | undefined;
    do {
      const page: HistoryPage = await this.send('GET', historyPath(this.base, key) + query({ limit: 100, before }), options);
      for (const entry of page.items) {
        if (entry.version <= expected) {
          return oldest !== undefined && oldest.op === 'put' && JSON.stringify(oldest.change) === JSON.stringify(value);
        }
        oldest = entry;
      }
      before = page.next;
    } while (before);
    return false;
  }

  /** Starts a world transaction: chain changes, then `commit()`. */
  batch(): Batch {
    return new Batch(this.transport, this.worldId);
  }

  // ---- change feed ----------------------------------------------------------------------------

  /**
   * Calls `handler` for every accepted change of this world, in log order, one at a time: the
   * next event is delivered only after the handler's promise settles (backpressure). Reconnects
   * by itself (network failures, server restarts, 5xx) and resumes exactly after the last event
   * handled: no gap, no duplicate. A batch arrives as one event (`op: 'batch'`).
   *
   * A handler that throws ends the subscription (`done` rejects with its error).
   */
  subscribe(handler: (event: ChangeEvent) => unknown, options?: SubscribeOptions): Subscription {
    return subscribe(this.transport, this.worldId, handler, options);
  }

  /** The change feed as an async iterator (see `subscribe`); `break` ends it. */
  changes(options?: ChangesOptions): AsyncGenerator<ChangeEvent, void, undefined> {
    return changeFeed(this.transport, this.worldId, options);
  }

  // ---- history and time travel ----------------------------------------------------------------

  /** One page of a key's history, newest first; pass `next` as `before` for the older page. */
  historyPage(key: Key, options: CallOptions & { limit?: number; before?: string | number; withResult?: boolean } = {}): Promise<HistoryPage> {
    return this.send('GET', historyPath(this.base, key) + query({ limit: options.limit, before: options.before, withResult: options.withResult || undefined }), options);
  }

  /** A key's whole history, newest first, paging internally. `withResult` adds each change's resulting value. */
  async *history(key: Key, options: PageOptions & { withResult?: boolean; before?: string | number } = {}): AsyncGenerator<HistoryEntry, void, undefined> {
    let before: string | number | null | undefined = options.before;
    do {
      const page = await this.historyPage(key, { ...options, limit: options.pageSize ?? 100, before: before ?? undefined });
      for (const entry of page.items) yield entry;
      before = page.next;
    } while (before);
  }

  /**
   * The world's audit log: accepted changes in log order between `from` and `to` (instants or
   * positions, inclusive), optionally filtered, paging internally.
   */
  async *auditLog(
    options: PageOptions & { from?: string | Date; to?: string | Date; table?: string; actor?: string; origin?: string } = {},
  ): AsyncGenerator<ChangeEvent, void, undefined> {
    const q = { from: time(options.from), to: time(options.to), table: options.table, actor: options.actor, origin: options.origin, limit: options.pageSize ?? 100 };
    let cursor: string | null | undefined;
    do {
      const page = await this.send('GET', `${this.base}/history${query({ ...q, cursor })}`, options);
      for (const item of page.items) yield item as ChangeEvent;
      if (page.error) throw streamedError(page.error, `GET ${this.base}/history`);
      cursor = page.next;
    } while (cursor);
  }

  /**
   * The whole world as it was at `asOf` (an instant, a log position, or `partition-start`, which is
   * before every change, so the snapshot is empty): world state, entities,
   * player states and app data.
   *
   * @throws WorldStoreError when the snapshot failed after the server started sending it
   */
  async snapshot(options: CallOptions & { asOf: string | Date }): Promise<Snapshot> {
    const body = await this.send('GET', `${this.base}/snapshot${query({ asOf: time(options.asOf) })}`, options);
    if (body.error) throw streamedError(body.error, `GET ${this.base}/snapshot`);
    return body as Snapshot;
  }

  /** Rolls the world back to `asOf` with new, audited events. Not retried (it writes). */
  async restore(options: CallOptions & { asOf: string | Date }): Promise<RestoreResult> {
    const answer = await this.transport.send({
      method: 'POST', path: `${this.base}/restore`, body: JSON.stringify({ asOf: time(options.asOf) }), retry: 'unsafe', scope: this.worldId, write: true, ...callOpts(options),
    });
    return answer!.body;
  }

  /** Copies this world as it was at `asOf` into a new, empty world `to`. */
  async fork(to: string, options: CallOptions & { asOf: string | Date }): Promise<ForkResult> {
    const answer = await this.transport.send({
      method: 'POST', path: `${this.base}/fork`, body: JSON.stringify({ to, asOf: time(options.asOf) }), retry: 'unsafe', scope: to, write: true, ...callOpts(options),
    });
    return answer!.body;
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private appPath(appId: string, playerId: string | null, key: string): string {
    return playerId == null
      ? `${this.base}/apps/${seg(appId)}/data/${appKey(key)}`
      : `${this.base}/apps/${seg(appId)}/players/${seg(playerId)}/data/${appKey(key)}`;
  }

  private async get<T>(path: string, options: ReadOptions = {}): Promise<T | null> {
    const answer = await this.transport.send({
      method: 'GET',
      path: options.asOf === undefined ? path : path + asOfQuery(options.asOf),
      retry: 'idempotent',
      scope: this.worldId,
      position: options.position,
      notFoundIsNull: true,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return answer === null ? null : (answer.body as T);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async send(method: string, path: string, options: ReadOptions = {}, body?: string): Promise<any> {
    const answer = await this.transport.send({ method, path, body, retry: 'idempotent', scope: this.worldId, ...callOpts(options) });
    return answer!.body;
  }

  private put(path: string, value: unknown, options?: WriteOptions): Promise<Saved> {
    return this.writeRequest('PUT', path, JSON.stringify(value), 'application/json', options) as Promise<Saved>;
  }

  private patch(path: string, patch: object, options?: WriteOptions): Promise<Saved> {
    return this.writeRequest('PATCH', path, JSON.stringify(patch), 'application/merge-patch+json', options) as Promise<Saved>;
  }

  /** A delete: `null` when the key held nothing (404 `KEY_NOT_FOUND`: nothing was recorded). */
  private remove(path: string, options?: WriteOptions): Promise<Saved | null> {
    return this.writeRequest('DELETE', path, undefined, undefined, options);
  }

  private async writeRequest(method: string, path: string, body: string | undefined, contentType: string | undefined, options: WriteOptions = {}): Promise<Saved | null> {
    if (body === undefined && method !== 'DELETE') throw new TypeError('a value to save must be JSON (not undefined or a function)');
    let headers: Record<string, string> | undefined;
    if (options.ifVersion !== undefined) {
      if (options.ifAbsent) throw new TypeError('give ifVersion or ifAbsent, not both');
      headers = { 'if-match': `"${options.ifVersion}"` };
    } else if (options.ifAbsent) {
      headers = { 'if-none-match': '*' };
    }
    const idempotencyKey = writeKey(options.idempotencyKey, this.transport.retryOptions.maxRetries);
    const answer = await this.transport.send({
      method,
      path,
      body,
      contentType,
      headers,
      retry: headers || idempotencyKey !== undefined ? 'idempotent' : 'unsafe',
      scope: this.worldId,
      write: true,
      idempotencyKey,
      notFoundIsNull: method === 'DELETE',
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    if (answer === null) return null;
    const saved = answer.body as Saved;
    saved.replayed = saved.replayed === true;
    return saved;
  }
}

function callOpts(o: ReadOptions): { signal?: AbortSignal | undefined; timeoutMs?: number | undefined; position?: string | undefined } {
  return { signal: o.signal, timeoutMs: o.timeoutMs, position: o.position };
}

function time(t: string | Date | undefined): string | undefined {
  return t instanceof Date ? t.toISOString() : t;
}

function asOfQuery(asOf: string | Date | undefined): string {
  return asOf === undefined ? '' : `?asOf=${encodeURIComponent(time(asOf)!)}`;
}

function etagVersion(etag: string | null): number {
  return etag ? Number(etag.replace(/^W\//, '').replace(/"/g, '')) : NaN;
}

function streamedError(problem: Record<string, unknown>, request: string): WorldStoreError {
  return new WorldStoreError({ status: Number(problem['status'] ?? 500), problem: problem as never, request });
}
