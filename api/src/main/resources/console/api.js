// The console's only way to the server: worldstore's public HTTP API with the key the user typed,
// sent as a bearer header (never a cookie, never in a URL), exactly as any other client calls it.

import { delay } from './dom.js';

/** A failed call, carrying the server's problem document (RFC 9457): title, detail, status, code. */
export class ApiError extends Error {
  constructor(problem, status) {
    super(`${problem.title || 'Error'}: ${problem.detail || ''}`);
    this.problem = problem;
    this.status = status;
  }
}

async function problemOf(res) {
  let p = null;
  try {
    p = await res.json();
  } catch (e) {
    p = null;
  }
  if (p && typeof p === 'object' && (p.title || p.detail)) return p;
  return { title: res.statusText || `HTTP ${res.status}`, detail: `the server answered ${res.status} without a problem document`, status: res.status };
}

function unreachable(e) {
  return new ApiError({ title: 'Server unreachable', detail: String((e && e.message) || e) }, 0);
}

export class Api {
  /** @param key the API key, or null when the server runs without auth */
  constructor(key) {
    this.key = key || null;
  }

  headers(extra) {
    const h = Object.assign({}, extra);
    if (this.key) h.Authorization = `Bearer ${this.key}`;
    return h;
  }

  /**
   * One call. Resolves to the parsed JSON body (or text when asText); rejects with ApiError for an
   * error status, or when a streamed 200 body ends with an "error" member (the snapshot and the
   * audit log report a failure after they started that way).
   */
  async request(method, path, { body, headers, signal, asText } = {}) {
    let res;
    const h = this.headers(headers);
    if (body !== undefined) h['Content-Type'] = 'application/json';
    try {
      res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', signal, credentials: 'omit' });
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw unreachable(e);
    }
    if (!res.ok) throw new ApiError(await problemOf(res), res.status);
    const text = await res.text();
    if (asText) return text;
    if (!text) return null;
    const doc = JSON.parse(text);
    if (doc && typeof doc === 'object' && doc.error && doc.error.title) throw new ApiError(doc.error, doc.error.status || 500);
    return doc;
  }

  get(path, opts) {
    return this.request('GET', path, opts);
  }

  post(path, body, opts) {
    return this.request('POST', path, Object.assign({ body }, opts));
  }

  /**
   * Follows a Server-Sent Events stream (WHATWG event-stream format) with fetch, because the
   * browser's EventSource cannot send an Authorization header. Reconnects after a drop with
   * Last-Event-ID, so no event is lost or repeated. Returns {close()}.
   *
   * @param handlers onEvent({type, id, data}), onOpen(), onError(ApiError), onFatal(ApiError)
   */
  stream(path, handlers) {
    const ctl = new AbortController();
    const state = { closed: false, lastId: handlers.lastEventId || null };
    const run = async () => {
      let backoff = 500;
      while (!state.closed) {
        try {
          const headers = this.headers({ Accept: 'text/event-stream' });
          if (state.lastId) headers['Last-Event-ID'] = state.lastId;
          const res = await fetch(path, { headers, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
          if (!res.ok) {
            const err = new ApiError(await problemOf(res), res.status);
            if (res.status !== 503) {
              state.closed = true;
              if (handlers.onFatal) handlers.onFatal(err);
              return;
            }
            if (handlers.onError) handlers.onError(err);
          } else {
            backoff = 500;
            if (handlers.onOpen) handlers.onOpen();
            await readEvents(res.body, state, handlers.onEvent);
          }
        } catch (e) {
          if (state.closed || (e && e.name === 'AbortError')) return;
          if (handlers.onError) handlers.onError(e instanceof ApiError ? e : unreachable(e));
        }
        if (state.closed) return;
        await delay(backoff, ctl.signal);
        backoff = Math.min(backoff * 2, 10000);
      }
    };
    run();
    return {
      close() {
        state.closed = true;
        ctl.abort();
      },
      get lastId() {
        return state.lastId;
      },
    };
  }
}

/** Reads one response body as an event stream until it ends. */
async function readEvents(body, state, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let data = [];
  let type = '';
  let id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done || state.closed) return;
    buf += value;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      let line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (id !== null) state.lastId = id;
        if (data.length) onEvent({ type: type || 'message', id: state.lastId, data: data.join('\n') });
        data = [];
        type = '';
        id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let v = colon < 0 ? '' : line.slice(colon + 1);
      if (v.startsWith(' ')) v = v.slice(1);
      if (field === 'data') data.push(v);
      else if (field === 'event') type = v;
      else if (field === 'id' && !v.includes('\0')) id = v;
    }
  }
}

/** The API path of one world: /v1/worlds/{worldId} (ids are URL-safe by the id rule; encoded anyway). */
export function worldPath(worldId) {
  return `/v1/worlds/${encodeURIComponent(worldId)}`;
}

/** The path of a key of the map (an entity or a player state). */
export function keyPath(worldId, sel) {
  const w = worldPath(worldId);
  return sel.table === 'player_states' ? `${w}/players/${encodeURIComponent(sel.id)}/state` : `${w}/entities/${encodeURIComponent(sel.id)}`;
}

/** The history path of a key of the map. */
export function historyPath(worldId, sel) {
  return `${keyPath(worldId, sel)}/history`;
}
