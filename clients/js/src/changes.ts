import { EventSourceParserStream } from 'eventsource-parser/stream';
import { WorldStoreError, WorldStoreNetworkError } from './errors.js';
import { delay, parseProblem, type Transport } from './http.js';
import { worldPath } from './keys.js';
import type { ChangeEvent } from './types.js';

/** Options of a change feed (`changes()`, `subscribe()`). */
export interface ChangesOptions {
  /**
   * Resume after this log position (`partition-offset`, an event's `position`/SSE id): every
   * later change of the world is delivered, none twice. Without it the feed starts live, with the
   * changes made from the moment it connects.
   */
  from?: string;
  /** Ends the feed: the iterator throws the signal's reason; a subscription just stops. */
  signal?: AbortSignal;
  /** Reconnect backoff: the first wait (ms, default 250), doubled per failed attempt up to `maxDelayMs` (default 5000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * A connection that delivers nothing (not even the server's keep-alive comments, sent every
   * `http.sse.heartbeat.ms`, 15 s by default) for this long is dropped and reopened. Default 45 000 ms.
   */
  idleTimeoutMs?: number;
  /** Called whenever the feed (re)connects, with the position it resumes after (`p-start` on a partition with no record yet). */
  onConnect?: (after: string | undefined) => void;
  /** Called for each failure the feed recovers from by reconnecting (network errors, 5xx, the stream ending). */
  onReconnect?: (error: unknown, attempt: number) => void;
}

/**
 * A world's change feed as an async iterator: every accepted change, in log order, one event at a
 * time (the next is read from the network only when you ask for it, so a slow consumer holds the
 * server back instead of buffering). Reconnects by itself after network failures, server restarts
 * and 5xx answers, resuming exactly after the last event it delivered (`Last-Event-ID`).
 *
 * @throws WorldStoreError for answers a retry cannot fix (401, 403, 400 for a bad `from`, 410
 *     `POSITION_EXPIRED` when retention deleted changes after the resume position: never a silent gap)
 * @throws the signal's reason once `signal` aborts
 */
export async function* changeFeed(transport: Transport, worldId: string, options: ChangesOptions = {}): AsyncGenerator<ChangeEvent, void, undefined> {
  const path = `${worldPath(worldId)}/changes`;
  const initialDelay = options.reconnect?.initialDelayMs ?? 250;
  const maxDelay = options.reconnect?.maxDelayMs ?? 5000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const user = options.signal;
  let last = options.from;
  let failures = 0;
  for (;;) {
    user?.throwIfAborted();
    const controller = new AbortController();
    const onAbort = () => controller.abort(user!.reason);
    user?.addEventListener('abort', onAbort, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new WorldStoreNetworkError(`GET ${path}`, new Error(`no data for ${idleTimeoutMs} ms`), true)), idleTimeoutMs);
      idle.unref?.();
    };
    let failure: unknown;
    let reader: ReadableStreamDefaultReader<{ event?: string | undefined; id?: string | undefined; data: string }> | undefined;
    try {
      armIdle();
      const res = await transport.openStream(path, last ? { 'last-event-id': last } : {}, controller.signal);
      if (!res.ok || !res.body) {
        const text = await res.text();
        const error = new WorldStoreError({ status: res.status, problem: parseProblem(text), text, request: `GET ${path}`, retryAfterMs: retryAfter(res) });
        if (res.status < 500 && res.status !== 429) throw error;
        throw new Retry(error, error.retryAfterMs);
      }
      reader = res.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new TransformStream<string, string>({ transform: (chunk, out) => { armIdle(); out.enqueue(chunk); } }))
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.event === 'ready') {
          if (last === undefined && value.id) last = value.id;
          failures = 0;
          options.onConnect?.(last);
          continue;
        }
        if (value.event === 'error') {
          const problem = parseProblem(value.data);
          const error = new WorldStoreError({ status: problem?.status ?? 500, problem, text: value.data, request: `GET ${path}` });
          if (error.status < 500) throw error;
          throw new Retry(error);
        }
        if (!value.data) continue;
        if (value.id) {
          if (last !== undefined && !after(value.id, last)) continue; // never twice
          last = value.id;
        }
        yield JSON.parse(value.data) as ChangeEvent;
      }
      failure = new WorldStoreNetworkError(`GET ${path}`, new Error('the server ended the stream'), true);
    } catch (e) {
      if (user?.aborted) throw user.reason;
      if (e instanceof WorldStoreError) throw e;
      failure = e instanceof Retry ? e : controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : new WorldStoreNetworkError(`GET ${path}`, e, true);
    } finally {
      if (idle !== undefined) clearTimeout(idle);
      user?.removeEventListener('abort', onAbort);
      controller.abort();
      reader?.cancel().catch(() => {});
    }
    failures++;
    const reported = failure instanceof Retry ? failure.error : failure;
    options.onReconnect?.(reported, failures);
    const exp = Math.min(maxDelay, initialDelay * 2 ** (failures - 1));
    const wait = Math.min(maxDelay, Math.max(exp / 2 + Math.random() * (exp / 2), failure instanceof Retry ? (failure.afterMs ?? 0) : 0));
    await delay(wait, user);
  }
}

/** A failure the feed recovers from by reconnecting. */
class Retry {
  constructor(readonly error: unknown, readonly afterMs?: number) {}
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get('retry-after');
  const s = h ? Number(h) : NaN;
  return Number.isFinite(s) ? s * 1000 : undefined;
}

/**
 * True when position `a` comes after `b` (same partition; other partitions count as after). The
 * server names the point before a partition's first record `p-start` (the ready event's id on an
 * empty partition): every offset comes after it.
 */
function after(a: string, b: string): boolean {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  if (a.slice(0, da) !== b.slice(0, db)) return true;
  return offsetOf(a.slice(da + 1)) > offsetOf(b.slice(db + 1));
}

function offsetOf(offset: string): number {
  return offset === 'start' ? -1 : Number(offset);
}

/** A running subscription (see `WorldPersistence.subscribe`). */
export interface Subscription {
  /** Stops the feed. Resolves once the handler call in flight (if any) has finished; no call follows. */
  unsubscribe(): Promise<void>;
  /** Resolves with the position the feed starts after once it is connected (`p-start` on a partition with no record yet). */
  readonly ready: Promise<string | undefined>;
  /**
   * Settles when the subscription ends: resolves after `unsubscribe()` (or the signal aborting),
   * rejects with the error that ended it (the handler threw, or the server refused the feed).
   */
  readonly done: Promise<void>;
  /**
   * The position of the last event the handler finished (before the first one: where the feed
   * started, the `ready` event's id); pass it as `from` to resume elsewhere.
   */
  readonly position: string | undefined;
}

/** Options of `subscribe()`. */
export interface SubscribeOptions extends ChangesOptions {
  /** Called with the error that ended the subscription (also `done`'s rejection), and with each recovered failure when `onReconnect` is not given. */
  onError?: (error: unknown) => void;
}

export function subscribe(
  transport: Transport,
  worldId: string,
  handler: (event: ChangeEvent) => unknown,
  options: SubscribeOptions = {},
): Subscription {
  const controller = new AbortController();
  const user = options.signal;
  if (user) {
    if (user.aborted) controller.abort(user.reason);
    else user.addEventListener('abort', () => controller.abort(user.reason), { once: true });
  }
  let position: string | undefined = options.from;
  let resolveReady!: (p: string | undefined) => void;
  const ready = new Promise<string | undefined>((r) => (resolveReady = r));
  const feed = changeFeed(transport, worldId, {
    ...options,
    signal: controller.signal,
    onConnect: (after) => {
      // before the first event, the position is where the feed started (the ready event's id), so a
      // subscription that ends before any change still resumes from exactly there
      if (position === undefined) position = after;
      resolveReady(after);
      options.onConnect?.(after);
    },
    onReconnect: options.onReconnect ?? ((e) => options.onError?.(e)),
  });
  const done = (async () => {
    try {
      for await (const event of feed) {
        await handler(event);
        position = event.position;
      }
    } catch (e) {
      if (controller.signal.aborted) return;
      options.onError?.(e);
      throw e;
    } finally {
      resolveReady(undefined);
    }
  })();
  done.catch(() => {}); // observed through `done` / onError; never an unhandled rejection
  return {
    async unsubscribe() {
      controller.abort();
      await done.catch(() => {});
    },
    ready,
    done,
    get position() {
      return position;
    },
  };
}
