import type { components } from './generated/openapi.js';

type Schemas = components['schemas'];

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON object as the store returns it. Values are `any` so the guide's code
 * (`state.inventory[0] = ...`) type-checks as written; give load calls a type argument
 * (`loadPlayerState<MyState>(id)`) for checked access.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = { [key: string]: any };

/** `{x, y, z}` or Hyperfy's `[x, y, z]` (3 finite numbers). */
export type Vector3 = Schemas['Vector3'];
/** `{x, y, z, w}` or Hyperfy's `[x, y, z, w]` (4 finite numbers). */
export type Quaternion = Schemas['Quaternion'];

/**
 * A player's state in one world: `position`, `rotation` and any custom fields (health,
 * inventory, ...) at the top level, returned exactly as saved.
 */
export type PlayerState = Schemas['PlayerState'];
/** An entity: `id`, transform (`position`, `quaternion`/`rotation`, `scale`), `components`, `metadata`, anything else. */
export type EntityData = Schemas['Entity'];
/** A world's state: any JSON object. */
export type WorldState = Schemas['WorldState'];

/** The answer to every applied write. */
export interface Saved {
  /** The key's new version (its log offset; grows, not consecutive). Send it back as `ifVersion`. */
  version: number;
  /** The write's log position `partition-offset`, e.g. `"3-1042"`: a read-your-writes token. */
  position: string;
  /**
   * True when the server answered with the outcome of an earlier attempt carrying the same
   * idempotency key (a retry of a write it had applied): nothing changed, `version` and `position`
   * are that first write's.
   */
  replayed: boolean;
}

/** A value with the version it has. */
export interface Versioned<T = JsonObject> {
  value: T;
  /** The key's version (log offset of the change that last wrote it). */
  version: number;
}

/** A registered player (global, not per world). */
export type Player = Required<Schemas['Player']>;
/** One entry of a key's history, newest first. */
export type HistoryEntry = Schemas['HistoryEntry'];
/** One page of a key's history. */
export type HistoryPage = Schemas['HistoryPage'];
/** A world as it was at a point in time (`GET /v1/worlds/{w}/snapshot?asOf=`). */
export type Snapshot = Omit<Schemas['Snapshot'], 'error'>;
/** Everything of one player in one world, read in one consistent snapshot. */
export type PlayerData = Schemas['PlayerData'];
/** What `POST …/restore` answers. */
export type RestoreResult = Schemas['RestoreResult'];
/** What `POST …/fork` answers. */
export type ForkResult = Schemas['ForkResult'];
/** What a committed batch answers: its position, the version every changed key now has, and each change's key. */
export type BatchSaved = Schemas['BatchSaved'];
/** The problem document (`application/problem+json`) of every error response. */
export type Problem = Schemas['Problem'];
/** One failing change of a `BATCH_CONFLICT`. */
export type BatchFailure = NonNullable<Schemas['BatchConflict']['failures']>[number];
/** A change as the server's OpenAPI document describes one batch item. */
export type BatchChange = Schemas['BatchChange'];

/**
 * The server's stable error codes (from `/openapi.json`), plus `BATCH_CONFLICT`, which the
 * batch route answers. Unknown future codes come through as plain strings.
 */
export type ErrorCode = Problem['code'] | 'BATCH_CONFLICT' | (string & NonNullable<unknown>);

/**
 * A key of one world, as batch reads (`readMany`), `update` and `history` take it.
 * `app_data` and `app_storage` are the same table; app data without `playerId` (or with
 * `null`) is world-wide.
 */
export type Key =
  | { table: 'player_states'; playerId: string }
  | { table: 'world_state' }
  | { table: 'entity_states'; entityId: string }
  | { table: 'app_data' | 'app_storage'; appId: string; playerId?: string | null; key: string };

/**
 * One change of a world as the change feed (`subscribe`, `changes`) and the audit log deliver it:
 * the OpenAPI document's `ChangeEvent`, with the members every single change carries made required.
 */
export type SingleChange = Omit<Schemas['ChangeEvent'], 'op' | 'table' | 'worldId' | 'version' | 'position' | 'value' | 'patch'> & {
  op: NonNullable<Schemas['ChangeEvent']['op']>;
  table: NonNullable<Schemas['ChangeEvent']['table']>;
  worldId: string;
  /** The key's version after the change. */
  version: number;
  /** Log position `partition-offset`: the event's SSE id. */
  position: string;
  /** `put`: the value saved. */
  value?: JsonValue;
  /** `merge-patch`: the patch. */
  patch?: JsonValue;
};

/**
 * A world transaction: every change of one batch, delivered as one event at one position
 * (`event: batch`). Described here by hand: the server's OpenAPI document has no schema for it yet.
 */
export interface BatchChangeEvent {
  op: 'batch';
  worldId: string;
  version: number;
  position: string;
  changes: Array<{
    op: 'put' | 'merge-patch' | 'delete';
    table: 'player_states' | 'entity_states' | 'world_state' | 'app_storage';
    playerId?: string | null;
    entityId?: string;
    appId?: string;
    key?: string;
    value?: JsonValue;
    patch?: JsonValue;
  }>;
  actor: string | null;
  origin: string;
  timestamp: string;
  eventId: string;
}

/** An event of the change feed: one change, or one batch. Narrow on `op`. */
export type ChangeEvent = SingleChange | BatchChangeEvent;

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call: it rejects promptly with the signal's reason (an `AbortError` unless you gave one). */
  signal?: AbortSignal;
  /**
   * Milliseconds the whole call may take, retries included, before it rejects with
   * `WorldStoreTimeoutError`. Default: the client's `timeoutMs` (30 000).
   */
  timeoutMs?: number;
}

/** Options of reads. */
export interface ReadOptions extends CallOptions {
  /**
   * Read the value as it was then: an ISO-8601 instant (or a `Date`), a log position
   * `partition-offset` of this world's partition, or `partition-start` (before every change: `null`),
   * the position a subscription reports before its first event on a partition with no record yet.
   */
  asOf?: string | Date;
  /**
   * A log position the answering node must have applied first (e.g. one another server's write
   * returned). The client already sends its own writes' positions; this adds to them.
   */
  position?: string;
}

/** Options of single-key writes: at most one condition. */
export interface WriteOptions extends CallOptions {
  /**
   * The write's idempotency key (1 to 255 printable ASCII characters), sent as `Idempotency-Key`:
   * of the writes of one world carrying the same key within the server's `idempotency.window.ms`
   * (24 h), only the first applies; the others answer its outcome with `replayed: true`. Default: a
   * fresh UUID per call, so the client's own retries (503, a lost connection) never apply a write
   * twice. Give your own to retry across processes or after a `WorldStoreTimeoutError`; `false`
   * sends none (then a write is retried only when the connection was refused).
   */
  idempotencyKey?: string | false;
  /** Apply only if the key is still at this version (`If-Match`); else `VERSION_CONFLICT` (412) with `currentVersion`. */
  ifVersion?: number;
  /** Apply only if the key holds no value (`If-None-Match: *`); else `ALREADY_EXISTS` (412). */
  ifAbsent?: boolean;
}
