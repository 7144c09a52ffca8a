import { randomUUID } from 'node:crypto';
import { WorldStoreError, WorldStoreNetworkError, WorldStoreTimeoutError } from './errors.js';
import type { Problem } from './types.js';

/**
 * How a request may be retried.
 * - `idempotent`: reads, and writes carrying an idempotency key (every write by default). Retried
 *   on 503 (after `Retry-After`) and on connection failures: a keyed write the server applied the
 *   first time answers its retry with that first outcome (`replayed: true`) and changes nothing.
 * - `unsafe`: writes sent without a key (`idempotencyKey: false`). Retried only when the
 *   connection was refused (nothing was sent): after a reset or a 503 the write may have been
 *   applied, and a blind retry could land after another server's later write and undo it.
 */
export type RetryPolicy = 'idempotent' | 'unsafe';

/** Retry settings of a client. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). 0 turns retries off. */
  maxRetries?: number;
  /** First backoff in ms (default 100); doubles per retry, with jitter. */
  initialDelayMs?: number;
  /** Longest single wait in ms, `Retry-After` included (default 5000). */
  maxDelayMs?: number;
}

export interface RequestSpec {
  method: string;
  /** Path and query, already encoded, from the API root: `/v1/worlds/w/state`. */
  path: string;
  /** JSON text of the body. */
  body?: string | undefined;
  contentType?: string | undefined;
  headers?: Record<string, string> | undefined;
  retry: RetryPolicy;
  /**
   * The read-your-writes scope: a world id, or `#players` for the player registry. Writes record
   * the position they return under it; reads send the highest one known for its partition.
   */
  scope?: string | undefined;
  /** A write: remember the position it returns. */
  write?: boolean;
  /** An extra position a read must see. */
  position?: string | undefined;
  /**
   * The write's idempotency key, sent as `Idempotency-Key` (an RFC 8941 string) on every attempt,
   * so a retry the server already applied is answered with the first outcome.
   */
  idempotencyKey?: string | undefined;
  /** Answer `null` for a 404 `KEY_NOT_FOUND` instead of throwing. */
  notFoundIsNull?: boolean;
  /** Return the body unparsed, as a stream (the change feed). */
  stream?: boolean;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined when empty). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Read-your-writes bookkeeping: the partition each world lives in (learned from the positions its
 * writes return) and the highest offset this client wrote in each partition.
 */
export class Positions {
  private readonly partitionOf = new Map<string, number>();
  private readonly highest = new Map<number, number>();

  /** Records a write's position (`partition-offset`) for a world (or `#players`). */
  record(scope: string, position: string | null | undefined): void {
    if (!position) return;
    const dash = position.indexOf('-');
    if (dash <= 0) return;
    const partition = Number(position.slice(0, dash));
    const offset = Number(position.slice(dash + 1));
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return;
    this.partitionOf.set(scope, partition);
    const known = this.highest.get(partition);
    if (known === undefined || offset > known) this.highest.set(partition, offset);
  }

  /** The partition of a world, once a write of it told. */
  partition(scope: string): number | undefined {
    return this.partitionOf.get(scope);
  }

  /** The position a read of this world must see: the highest this client wrote in its partition. */
  required(scope: string | undefined, extra?: string): string | undefined {
    const partition = scope === undefined ? undefined : this.partitionOf.get(scope);
    const own = partition === undefined ? undefined : this.highest.get(partition);
    if (extra === undefined) return own === undefined ? undefined : `${partition}-${own}`;
    if (own === undefined) return extra;
    const dash = extra.indexOf('-');
    const p = Number(extra.slice(0, dash));
    const o = Number(extra.slice(dash + 1));
    if (p !== partition) return extra; // not this world's partition: the server names the mistake
    return `${partition}-${Math.max(own, o)}`;
  }
}

const TIMEOUT = Symbol('timeout');

/**
 * Settles like `p`, or rejects with `TIMEOUT` after `ms`; a value that arrives late goes to `late`.
 * Calls without a signal of their own use this instead of an AbortSignal per fetch: a signal costs
 * each request more CPU than the rest of the client.
 */
function withDeadline<T>(p: Promise<T>, ms: number, late?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const t = setTimeout(() => {
      expired = true;
      reject(TIMEOUT);
    }, Math.max(0, ms));
    p.then(
      (v) => {
        if (expired) late?.(v);
        else {
          clearTimeout(t);
          resolve(v);
        }
      },
      (e) => {
        if (!expired) {
          clearTimeout(t);
          reject(e);
        }
      },
    );
  });
}

/** Discards the body of an answer that came after its call timed out, so the connection is reused. */
function discard(res: Response): void {
  res.body?.cancel().catch(() => {});
}

/** The HTTP transport: one base URL, one API key, built-in `fetch` (keep-alive), retries, deadlines. */
export class Transport {
  readonly positions = new Positions();
  private readonly base: string;
  private readonly auth: Record<string, string>;

  constructor(
    url: string,
    apiKey: string | undefined,
    private readonly fetchImpl: typeof fetch,
    readonly timeoutMs: number,
    readonly retryOptions: Required<RetryOptions>,
    readonly readYourWrites: boolean,
  ) {
    this.base = url.replace(/\/+$/, '');
    this.auth = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  get baseUrl(): string {
    return this.base;
  }

  /**
   * Sends one request, retrying as its policy allows, within its deadline.
   *
   * @returns the answer, or `null` for a 404 `KEY_NOT_FOUND` when `notFoundIsNull`
   * @throws WorldStoreError for a non-2xx answer, WorldStoreNetworkError, WorldStoreTimeoutError,
   *   or the signal's reason when aborted
   */
  async send(spec: RequestSpec): Promise<Answer | null> {
    const request = `${spec.method} ${spec.path}`;
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const userSignal = spec.signal;
    let signal: AbortSignal | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    if (userSignal) {
      userSignal.throwIfAborted();
      const controller = new AbortController();
      timer = setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
      onAbort = () => controller.abort(userSignal.reason);
      userSignal.addEventListener('abort', onAbort, { once: true });
      signal = controller.signal;
    }
    const deadline = Date.now() + timeoutMs;
    const headers: Record<string, string> = { accept: 'application/json', ...this.auth };
    if (spec.headers) Object.assign(headers, spec.headers);
    const key = spec.idempotencyKey;
    if (key !== undefined) headers['idempotency-key'] = sfString(key);
    if (spec.body !== undefined) headers['content-type'] = spec.contentType ?? 'application/json';
    if (!spec.write) {
      const required = this.readYourWrites ? this.positions.required(spec.scope, spec.position) : spec.position;
      if (required !== undefined) headers['x-worldstore-position'] = required;
    }
    const url = this.base + spec.path;
    const { maxRetries } = this.retryOptions;
    let ambiguous = false;
    try {
      for (let attempt = 0; ; attempt++) {
        let res: Response;
        try {
          const sent = this.fetchImpl(url, { method: spec.method, headers, body: spec.body, signal });
          res = await (signal ? sent : withDeadline(sent, deadline - Date.now(), discard));
        } catch (e) {
          if (e === TIMEOUT) throw new WorldStoreTimeoutError(request, timeoutMs, undefined, key);
          if (signal?.aborted) throw this.aborted(signal, userSignal, request, timeoutMs, key);
          const refused = isRefused(e);
          const error = new WorldStoreNetworkError(request, e, !refused, key);
          if (attempt < maxRetries && (refused || spec.retry === 'idempotent')) {
            if (!refused) ambiguous = true;
            await this.backoff(attempt, undefined, deadline, signal, error, userSignal, request, timeoutMs);
            continue;
          }
          throw error;
        }
        if (spec.stream && res.ok) return { status: res.status, headers: res.headers, body: res.body };
        let text: string;
        try {
          text = await (signal ? res.text() : withDeadline(res.text(), deadline - Date.now()));
        } catch (e) {
          if (e === TIMEOUT) {
            discard(res);
            throw new WorldStoreTimeoutError(request, timeoutMs, undefined, key);
          }
          if (signal?.aborted) throw this.aborted(signal, userSignal, request, timeoutMs, key);
          const error = new WorldStoreNetworkError(request, e, true, key);
          if (attempt < maxRetries && spec.retry === 'idempotent') {
            ambiguous = true;
            await this.backoff(attempt, undefined, deadline, signal, error, userSignal, request, timeoutMs);
            continue;
          }
          throw error;
        }
        if (res.ok || res.status === 304) {
          const body = text.length > 0 && res.status !== 304 ? JSON.parse(text) : undefined;
          if (spec.write && spec.scope !== undefined) {
            this.positions.record(spec.scope, res.headers.get('x-worldstore-position') ?? body?.position);
          }
          return { status: res.status, headers: res.headers, body };
        }
        const problem = parseProblem(text);
        if (res.status === 404 && spec.notFoundIsNull && problem?.code === 'KEY_NOT_FOUND') return null;
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        const conflict = res.status === 409 || res.status === 412;
        const error = new WorldStoreError({
          status: res.status,
          problem,
          text,
          retryAfterMs,
          request,
          maybeApplied: ambiguous && conflict,
          idempotencyKey: key,
        });
        if (res.status === 503 && attempt < maxRetries && spec.retry === 'idempotent') {
          const code = problem?.code;
          if (code === 'LOG_UNAVAILABLE' || code === 'INTERRUPTED' || code === 'PROJECTION_TIMEOUT' || code === 'OUTCOME_UNKNOWN') {
            ambiguous ||= spec.write === true;
          }
          await this.backoff(attempt, retryAfterMs, deadline, signal, error, userSignal, request, timeoutMs);
          continue;
        }
        throw error;
      }
    } finally {
      if (userSignal) {
        clearTimeout(timer);
        userSignal.removeEventListener('abort', onAbort!);
      }
    }
  }

  /**
   * Opens a streaming GET (the change feed) with the client's auth. The returned controller aborts
   * it; no deadline applies once the response has started.
   */
  async openStream(path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    return this.fetchImpl(this.base + path, {
      method: 'GET',
      headers: { accept: 'text/event-stream', ...this.auth, ...headers },
      signal,
    });
  }

  private aborted(signal: AbortSignal | undefined, user: AbortSignal | undefined, request: string, timeoutMs: number, key?: string): unknown {
    if (signal?.reason === TIMEOUT && !user?.aborted) return new WorldStoreTimeoutError(request, timeoutMs, undefined, key);
    return user?.reason ?? signal?.reason;
  }

  /** Waits before the next attempt; gives up with `error` when the wait would pass the deadline. */
  private async backoff(
    attempt: number,
    retryAfterMs: number | undefined,
    deadline: number,
    signal: AbortSignal | undefined,
    error: Error,
    user: AbortSignal | undefined,
    request: string,
    timeoutMs: number,
  ): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.retryOptions;
    const exp = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
    const jittered = exp / 2 + Math.random() * (exp / 2);
    const wait = Math.min(maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
    if (Date.now() + wait >= deadline) throw error;
    try {
      await delay(wait, signal);
    } catch {
      throw this.aborted(signal, user, request, timeoutMs, (error as { idempotencyKey?: string }).idempotencyKey);
    }
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** True when the error says the connection was refused: nothing reached a server. */
export function isRefused(e: unknown): boolean {
  const cause = (e as { cause?: unknown })?.cause ?? e;
  const code = (cause as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return true;
  const errors = (cause as { errors?: unknown[] })?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((x) => (x as { code?: string })?.code === 'ECONNREFUSED');
}

export function parseProblem(text: string): (Problem & Record<string, unknown>) | undefined {
  if (!text || text.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const p = JSON.parse(text);
    return p && typeof p === 'object' && typeof p.code === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

function parseRetryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

/** An idempotency key as an RFC 8941 sf-string: quoted, `\\` and `"` escaped. */
function sfString(key: string): string {
  return `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The key a write is sent with: the caller's, checked (1 to 255 printable ASCII characters, the
 * server's rule); a fresh UUID when the caller gave none and the client may retry; none when the
 * caller said `false`.
 *
 * @throws TypeError for a key the server would refuse
 */
export function writeKey(given: string | false | undefined, retries: number): string | undefined {
  if (given === false) return undefined;
  if (given === undefined) return retries > 0 ? randomUUID() : undefined;
  if (typeof given !== 'string' || !/^[\x20-\x7e]{1,255}$/.test(given)) {
    throw new TypeError(`idempotencyKey must be 1 to 255 printable ASCII characters, was ${JSON.stringify(given)}`);
  }
  return given;
}
