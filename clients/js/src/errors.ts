import type { BatchFailure, ErrorCode, Problem } from './types.js';

/**
 * The server answered with an error status (every non-2xx). Carries the problem document's
 * stable `code`, `detail` and `field`, and for conflicts the key's `currentVersion` (and, for a
 * `BATCH_CONFLICT`, every failing change in `failures`).
 *
 * Status and codes (see the server README's table): 400 `INVALID_ID`/`INVALID_ARGUMENT`/`INVALID_JSON`,
 * 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 404 `NOT_FOUND`/`KEY_NOT_FOUND`, 409 `USERNAME_TAKEN`/`BATCH_CONFLICT`,
 * 410 `POSITION_EXPIRED` (a change feed's resume position is older than the log's start: retention deleted
 * changes after it; reload the state, then follow the feed live), 412 `VERSION_CONFLICT`/`ALREADY_EXISTS`, 413, 415, 422 `INVALID_SHAPE`/`IDEMPOTENCY_KEY_REUSED` (the key
 * was used by a different write of the world: a bug of the caller, never retried), 5xx, 503
 * `PROJECTION_TIMEOUT`/`LOG_UNAVAILABLE`/`OUTCOME_UNKNOWN` (the write may still apply: retry with the
 * same `idempotencyKey`)/`STORE_CLOSED`/... (with `Retry-After`).
 */
export class WorldStoreError extends Error {
  override readonly name = 'WorldStoreError';
  /** HTTP status. */
  readonly status: number;
  /** The server's stable code, e.g. `VERSION_CONFLICT` (`HTTP_<status>` when the body was no problem document). */
  readonly code: ErrorCode;
  /** Human-readable explanation from the server. */
  readonly detail: string;
  /** The offending field, header or parameter (`position`, `If-Match`, `changes[1]`), when the server named one. */
  readonly field: string | undefined;
  /**
   * On `VERSION_CONFLICT` / `ALREADY_EXISTS`: the key's version when the write was decided;
   * `null` when the key held no value; `undefined` for other errors.
   */
  readonly currentVersion: number | null | undefined;
  /** On `BATCH_CONFLICT`: every change whose condition failed (index, key, expected, currentVersion). */
  readonly failures: BatchFailure[] | undefined;
  /** Milliseconds the server asked to wait before retrying (`Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;
  /**
   * True when this conflict came from a retry of a conditional write whose first attempt failed
   * in a way that may have been applied (connection reset, 503 `LOG_UNAVAILABLE`): the write it
   * conflicts with may be this very call's first attempt.
   */
  readonly maybeApplied: boolean;
  /** The whole problem document, as sent. */
  readonly problem: (Problem & Record<string, unknown>) | undefined;
  /** `METHOD path` of the request. */
  readonly request: string;
  /**
   * The idempotency key the write was sent with (the caller's or the one the client generated),
   * `undefined` for reads and unkeyed writes: to retry an `OUTCOME_UNKNOWN` write yourself, send it
   * again with `{ idempotencyKey: error.idempotencyKey }` and it applies at most once.
   */
  readonly idempotencyKey: string | undefined;

  constructor(init: {
    status: number;
    problem?: (Problem & Record<string, unknown>) | undefined;
    text?: string;
    retryAfterMs?: number | undefined;
    request: string;
    maybeApplied?: boolean;
    idempotencyKey?: string | undefined;
  }) {
    const p = init.problem;
    const code = (p?.code as ErrorCode | undefined) ?? `HTTP_${init.status}`;
    const detail = p?.detail ?? (init.text?.slice(0, 500) || `HTTP ${init.status}`);
    super(`${init.request}: ${init.status} ${code}: ${detail}`);
    this.status = init.status;
    this.code = code;
    this.detail = detail;
    this.field = p?.field;
    this.currentVersion = p && 'currentVersion' in p ? (p.currentVersion ?? null) : undefined;
    this.failures = p && Array.isArray(p['failures']) ? (p['failures'] as BatchFailure[]) : undefined;
    this.retryAfterMs = init.retryAfterMs;
    this.maybeApplied = init.maybeApplied ?? false;
    this.problem = p;
    this.request = init.request;
    this.idempotencyKey = init.idempotencyKey;
  }

  /** True for `VERSION_CONFLICT`, `ALREADY_EXISTS` and `BATCH_CONFLICT`: re-read and try again. */
  get isConflict(): boolean {
    return this.code === 'VERSION_CONFLICT' || this.code === 'ALREADY_EXISTS' || this.code === 'BATCH_CONFLICT';
  }

  /** True for 503s (projection behind, log unavailable, store closing, too many streams): retrying later may succeed. */
  get isTransient(): boolean {
    return this.status === 503;
  }

  /**
   * True for `OUTCOME_UNKNOWN`: the server got no answer from its log in time, so the write may
   * still be applied. Retrying with the same `idempotencyKey` (the client does so by itself while
   * its retries and deadline allow) applies it at most once.
   */
  get isOutcomeUnknown(): boolean {
    return this.code === 'OUTCOME_UNKNOWN';
  }
}

/**
 * The request never got an HTTP answer: connection refused, reset, DNS, TLS. `cause` holds the
 * underlying error; `maybeSent` says whether the server may have received (and applied) it.
 */
export class WorldStoreNetworkError extends Error {
  override readonly name = 'WorldStoreNetworkError';
  /** False only when the connection was refused (nothing reached a server). */
  readonly maybeSent: boolean;
  /** `METHOD path` of the request. */
  readonly request: string;
  /** The write's idempotency key: send the write again with it and it applies at most once. */
  readonly idempotencyKey: string | undefined;

  constructor(request: string, cause: unknown, maybeSent: boolean, idempotencyKey?: string) {
    super(`${request}: network error: ${describe(cause)}`, { cause });
    this.request = request;
    this.maybeSent = maybeSent;
    this.idempotencyKey = idempotencyKey;
  }
}

/** The call took longer than its `timeoutMs` (retries included). A write that timed out may have been applied. */
export class WorldStoreTimeoutError extends Error {
  override readonly name = 'WorldStoreTimeoutError';
  readonly timeoutMs: number;
  /** `METHOD path` of the request. */
  readonly request: string;
  /** The write's idempotency key: send the write again with it and it applies at most once. */
  readonly idempotencyKey: string | undefined;

  constructor(request: string, timeoutMs: number, cause?: unknown, idempotencyKey?: string) {
    super(`${request}: no answer within ${timeoutMs} ms`, cause === undefined ? undefined : { cause });
    this.request = request;
    this.timeoutMs = timeoutMs;
    this.idempotencyKey = idempotencyKey;
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const code = (cause as { code?: string } | undefined)?.code ?? (e as { code?: string }).code;
    const inner = cause instanceof Error ? cause.message : '';
    return [e.message, inner, code].filter(Boolean).join(': ');
  }
  return String(e);
}
