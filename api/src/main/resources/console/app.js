// The worldstore console: sign-in, world list, map, time scrubber (snapshot, replay, live),
// inspector, audit log, ops panel, restore and fork. Everything it shows comes from the server's
// public HTTP API, called with the user's key and limited by its scopes like any other client.

import { h, fill, $, iso, when, count } from './dom.js';
import { Api, ApiError, worldPath } from './api.js';
import { WorldModel, selectionToParam, selectionFromParam } from './world.js';
import { MapView } from './map.js';
import { Timeline } from './timeline.js';
import { Inspector } from './inspector.js';
import { AuditView } from './audit.js';
import { OpsView } from './ops.js';
import { ActView } from './act.js';

const KEY_STORE = 'worldstore.apiKey';
const POSITION = /^\d+-\d+$/;

const S = {
  api: null,
  caller: null,
  worlds: [],
  world: null,
  partition: null,
  mode: 'idle', // idle | live | at | replay
  at: null, // {kind: 'time', ms} | {kind: 'position', pos, ms}
  model: new WorldModel(null),
  sel: null,
  feed: null,
  replay: null,
  seq: 0,
  tab: 'inspector',
  perf: { scrubParts: [], start: null, firstRender: null, scrubs: [], liveLag: [], liveApplied: 0, liveChanges: 0 },
};

let map, timeline, inspector, audit, ops, act;

// ---- problems and notices ------------------------------------------------------------------

function showProblem(err) {
  const p = err && err.problem ? err.problem : { title: 'Console error', detail: String((err && err.message) || err) };
  $('#problem-title').textContent = p.title || 'Error';
  $('#problem-detail').textContent = p.detail || '';
  $('#problem-code').textContent = p.code ? `(${p.status || ''} ${p.code})` : '';
  $('#problem').dataset.code = p.code || '';
  $('#problem').dataset.status = String(p.status || '');
  $('#problem').hidden = false;
  if (err && err.status === 401 && S.api && S.api.key) signOut(p);
}

function notice(text) {
  $('#notice-text').textContent = text;
  $('#notice').hidden = false;
}

// ---- URL state: ?world=W&at=<instant | position | live>&key=<entity:id | player:id> -------

function readUrl() {
  const q = new URLSearchParams(location.search);
  const at = q.get('at');
  let parsed = null;
  if (at && at !== 'live') {
    if (POSITION.test(at)) parsed = { kind: 'position', pos: at, ms: null };
    else if (!Number.isNaN(Date.parse(at))) parsed = { kind: 'time', ms: Date.parse(at) };
  }
  return { world: q.get('world'), at: parsed, sel: selectionFromParam(q.get('key')) };
}

let urlTimer = null;
function writeUrl(now) {
  const apply = () => {
    urlTimer = null;
    const q = new URLSearchParams();
    if (S.world) q.set('world', S.world);
    if (S.world && S.mode === 'live') q.set('at', 'live');
    else if (S.at) q.set('at', S.at.kind === 'position' ? S.at.pos : iso(S.at.ms));
    const key = selectionToParam(S.sel);
    if (key) q.set('key', key);
    const url = `${location.pathname}${q.toString() ? `?${q}` : ''}`;
    if (url !== `${location.pathname}${location.search}`) history.replaceState(null, '', url);
  };
  if (now) {
    if (urlTimer) clearTimeout(urlTimer);
    apply();
  } else if (!urlTimer) {
    urlTimer = setTimeout(apply, 250);
  }
}

// ---- sign-in ----------------------------------------------------------------------------------

async function boot() {
  wire();
  const stored = sessionStorage.getItem(KEY_STORE);
  const api = new Api(stored);
  try {
    const doc = await api.get('/v1/worlds');
    await enter(api, doc);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      if (stored) sessionStorage.removeItem(KEY_STORE);
      showSignIn(stored ? e.problem : null);
    } else {
      showProblem(e);
    }
  }
}

function showSignIn(problem) {
  $('#app').hidden = true;
  $('#signin').hidden = false;
  const box = $('#signin-error');
  if (problem) {
    $('#signin-error-title').textContent = problem.title || 'Error';
    $('#signin-error-detail').textContent = problem.detail || '';
    box.dataset.code = problem.code || '';
    box.dataset.status = String(problem.status || '');
    box.hidden = false;
  } else {
    box.hidden = true;
  }
  $('#signin-key').focus();
}

async function signIn(e) {
  e.preventDefault();
  const key = $('#signin-key').value.trim();
  if (!key) return;
  const api = new Api(key);
  S.perf.start = performance.now();
  S.perf.firstRender = null;
  const button = $('#signin-form button[type=submit]');
  button.disabled = true;
  try {
    const doc = await api.get('/v1/worlds');
    sessionStorage.setItem(KEY_STORE, key);
    $('#signin-key').value = '';
    await enter(api, doc);
  } catch (err) {
    showSignIn(err.problem || { title: 'Error', detail: String(err) });
  } finally {
    button.disabled = false;
  }
}

function signOut(problem) {
  stopMotion();
  ops.close();
  sessionStorage.removeItem(KEY_STORE);
  S.perf.start = null;
  S.api = null;
  S.world = null;
  showSignIn(problem || null);
}

async function enter(api, doc) {
  if (S.perf.start === null) S.perf.start = performance.now();
  S.api = api;
  S.caller = doc.caller || {};
  S.worlds = doc.items || [];
  let next = doc.next;
  for (let pages = 0; next && pages < 20; pages++) {
    const more = await api.get(`/v1/worlds?cursor=${encodeURIComponent(next)}`);
    S.worlds = S.worlds.concat(more.items || []);
    next = more.next;
  }
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#caller').textContent = S.caller.name ? `key: ${S.caller.name}${S.caller.admin ? ' (admin)' : ''}` : 'auth off (local)';
  $('#signout').hidden = !api.key;
  renderWorldList();
  const url = readUrl();
  const world = url.world || (S.worlds.length === 1 ? S.worlds[0].worldId : null);
  if (world) await openWorld(world, url.at, url.sel);
  else showWorldPicker();
}

// ---- worlds -------------------------------------------------------------------------------

function worldLabel(w) {
  return `${w.worldId} — ${count(w.entities)} entities · ${count(w.playerStates)} players${w.exists ? '' : ' (empty)'}`;
}

function renderWorldList() {
  const sel = $('#world-select');
  fill(sel, h('option', { value: '' }, S.worlds.length ? 'pick a world…' : 'no world visible to this key'),
    S.worlds.map((w) => h('option', { value: w.worldId, dataset: { entities: String(w.entities), players: String(w.playerStates) } }, worldLabel(w))));
  sel.value = S.world || '';
}

function showWorldPicker() {
  const box = $('#worlds-pick');
  fill(box, h('h2', null, 'Worlds'),
    S.worlds.length ? h('ul', null, S.worlds.map((w) => h('li', null,
      h('button', { type: 'button', class: 'link', dataset: { world: w.worldId }, onclick: () => openWorld(w.worldId, null, null) }, w.worldId),
      h('span', { class: 'muted' }, ` ${count(w.entities)} entities · ${count(w.playerStates)} players · ${count(w.appData)} app keys${w.worldState ? ' · world state' : ''}`))))
      : h('p', { class: 'muted' }, 'This key sees no world yet.'));
  box.hidden = false;
}

function mayAct() {
  const c = S.caller || {};
  if (c.admin) return true;
  const worlds = c.worlds || [], apps = c.apps || [];
  return apps.includes('*') && (worlds.includes('*') || worlds.includes(S.world));
}

async function openWorld(worldId, at, sel) {
  stopMotion();
  S.world = worldId;
  S.sel = sel || null;
  S.partition = null;
  S.model = new WorldModel(worldId);
  $('#worlds-pick').hidden = true;
  $('#world-select').value = worldId;
  const w = S.worlds.find((x) => x.worldId === worldId);
  $('#world-counts').textContent = w ? `${count(w.entities)} entities · ${count(w.playerStates)} players · ${count(w.appData)} app keys` : '';
  $('#tab-act').hidden = !mayAct();
  if (!mayAct() && S.tab === 'act') switchTab('inspector');
  map.fitted = false;
  map.select(selectionToParam(S.sel));
  map.setMarkers([]);
  inspector.clear();
  loadTimeline();
  if (S.tab === 'audit') audit.open(worldId);
  if (S.tab === 'act') act.open(worldId);
  if (at) await showAt(at, { refit: true });
  else await goLive({ refit: true });
  if (S.sel) select(S.sel);
}

let timelineLoading = null;
async function loadTimeline() {
  const world = S.world;
  if (timelineLoading) return timelineLoading;
  timelineLoading = (async () => {
    try {
      const t = await S.api.get(`${worldPath(world)}/timeline?buckets=${Math.max(20, Math.min(600, Math.round($('#timeline').clientWidth / 3)))}`);
      if (world !== S.world) return;
      const pos = t.lastPosition || t.firstPosition;
      if (pos) S.partition = Number(pos.split('-')[0]);
      timeline.setData(t);
      showCursor();
    } catch (e) {
      showProblem(e);
    } finally {
      timelineLoading = null;
    }
  })();
  return timelineLoading;
}

// ---- what the map shows -------------------------------------------------------------------

function valueLabel() {
  if (S.mode === 'live') return 'Value now (live)';
  if (S.mode === 'replay') return `Value during replay (${when(S.replay ? S.replay.vclock : null)})`;
  if (S.at) return `Value at ${S.at.kind === 'position' ? `position ${S.at.pos}` : ''}${S.at.ms !== null && S.at.ms !== undefined ? ` ${when(S.at.ms)}` : ''}`;
  return 'Value';
}

function setStatus(text, state) {
  const el = $('#map-status');
  el.textContent = text;
  el.dataset.state = state;
  $('#map').dataset.status = state;
}

/** Shows the model on the map; resolves after the frame that drew it. */
function render(opts) {
  return new Promise((resolve) => {
    map.onDrawn = () => {
      map.onDrawn = null;
      if (S.perf.firstRender === null && S.model.markers.size && S.perf.start !== null) S.perf.firstRender = performance.now() - S.perf.start;
      resolve();
    };
    map.setMarkers(S.model.markers.values(), opts);
    const c = S.model.counts();
    const m = $('#map');
    m.dataset.world = S.world || '';
    m.dataset.entities = String(c.entities);
    m.dataset.players = String(c.players);
    m.dataset.position = S.model.position || '';
    if (S.sel) inspector.setValue(S.model.get(S.sel), valueLabel());
  });
}

function showCursor() {
  if (S.mode === 'live') timeline.show(null, true);
  else if (S.mode === 'replay' && S.replay) timeline.show(S.replay.vclock, false);
  else if (S.at && S.at.ms !== null && S.at.ms !== undefined) timeline.show(S.at.ms, false);
  $('#map').dataset.mode = S.mode;
  $('#map').dataset.at = S.mode === 'live' ? 'live' : S.at ? (S.at.kind === 'position' ? S.at.pos : iso(S.at.ms)) : '';
  $('#live').classList.toggle('on', S.mode === 'live');
  $('#play').textContent = S.mode === 'replay' ? '⏸' : '▶';
}

function stopMotion() {
  S.seq++;
  if (S.feed) S.feed.close();
  S.feed = null;
  if (S.replay) S.replay.stopped = true;
  S.replay = null;
}

/** The world at an instant (the snapshot endpoint), replacing whatever the map showed. */
async function showAt(at, opts = {}) {
  stopMotion();
  S.mode = 'at';
  S.at = at;
  showCursor();
  writeUrl(false);
  const seq = S.seq;
  const t0 = performance.now();
  setStatus('loading…', 'loading');
  const asOf = at.kind === 'position' ? at.pos : iso(at.ms);
  let doc;
  try {
    doc = await S.api.get(`${worldPath(S.world)}/snapshot?asOf=${encodeURIComponent(asOf)}`);
  } catch (e) {
    if (seq === S.seq) {
      setStatus('', 'error');
      showProblem(e);
    }
    return false;
  }
  if (seq !== S.seq) return false;
  const t1 = performance.now();
  S.model = WorldModel.fromSnapshot(doc);
  const t2 = performance.now();
  await render({ refit: opts.refit });
  if (seq !== S.seq) return false;
  S.perf.scrubs.push(performance.now() - t0);
  S.perf.scrubParts.push([t1 - t0, t2 - t1, performance.now() - t2]);
  setStatus(`${asOf}`, 'ready');
  if (at.kind === 'position' && (at.ms === null || at.ms === undefined)) {
    // the instant of that change, for the cursor: the audit log's entry at the position
    try {
      const doc2 = await S.api.get(`${worldPath(S.world)}/history?from=${encodeURIComponent(at.pos)}&to=${encodeURIComponent(at.pos)}&limit=1`);
      if (seq === S.seq && doc2.items && doc2.items.length) {
        at.ms = Date.parse(doc2.items[0].timestamp);
        showCursor();
        if (S.sel) inspector.setValue(S.model.get(S.sel), valueLabel());
      }
    } catch (e) {
      // the cursor stays where it was; the map is right
    }
  }
  return true;
}

// Scrubbing: at most one snapshot request in flight; the last position asked for always wins.
let scrubWanted = null;
let scrubbing = false;
async function scrub(ms) {
  scrubWanted = ms;
  if (scrubbing) return;
  scrubbing = true;
  try {
    while (scrubWanted !== null) {
      const target = scrubWanted;
      scrubWanted = null;
      await showAt({ kind: 'time', ms: target });
    }
  } finally {
    scrubbing = false;
  }
}

// ---- live ---------------------------------------------------------------------------------

/**
 * Follows the change feed: the stream opens first (its ready event names the position it starts
 * after), then the snapshot at exactly that position is loaded, then every event after it is
 * applied as it arrives: no gap, no change applied twice.
 */
async function goLive(opts = {}) {
  stopMotion();
  S.mode = 'live';
  S.at = null;
  showCursor();
  writeUrl(true);
  const seq = S.seq;
  const world = S.world;
  setStatus('connecting…', 'loading');
  let base = false;
  const early = [];
  let pending = [];
  let frame = false;
  const flush = () => {
    frame = false;
    if (seq !== S.seq) return;
    const now = Date.now();
    let touched = false, last = null;
    for (const e of pending) {
      S.model.applyEvent(e);
      S.perf.liveApplied++;
      S.perf.liveChanges += e.op === 'batch' ? (e.changes || []).length : 1;
      const ts = Date.parse(e.timestamp);
      if (!Number.isNaN(ts)) {
        if (S.perf.liveLag.length < 20000) S.perf.liveLag.push(now - ts);
        last = ts;
      }
      if (S.sel && touches(e, S.sel)) touched = true;
    }
    pending = [];
    if (last !== null) timeline.extend(last);
    $('#map').dataset.applied = String(S.perf.liveApplied);
    $('#map').dataset.liveChanges = String(S.perf.liveChanges);
    render({});
    if (touched) refreshInspectorSoon();
  };
  const ready = new Promise((resolve) => {
    S.feed = S.api.stream(`${worldPath(world)}/changes`, {
      onEvent: (ev) => {
        if (seq !== S.seq) return;
        if (ev.type === 'ready') {
          resolve(ev.id || null);
          return;
        }
        if (ev.type === 'error') {
          showProblem(new ApiError(JSON.parse(ev.data), 500));
          return;
        }
        const e = JSON.parse(ev.data);
        if (!base) {
          early.push(e);
          return;
        }
        pending.push(e);
        if (!frame) {
          frame = true;
          requestAnimationFrame(flush);
        }
      },
      onOpen: () => {
        if (base) setStatus('live', 'ready');
      },
      onError: (e) => {
        if (seq === S.seq) setStatus(`reconnecting… (${e.problem ? e.problem.title : e})`, 'loading');
      },
      onFatal: (e) => {
        if (seq === S.seq) {
          setStatus('', 'error');
          showProblem(e);
        }
        resolve(undefined);
      },
    });
  });
  const after = await ready;
  if (seq !== S.seq || after === undefined) return;
  let doc;
  try {
    // the world as of where the feed starts (a position, or "p-start" before the partition's first
    // record: empty); the server waits until it has applied that position
    doc = after ? await S.api.get(`${worldPath(world)}/snapshot?asOf=${encodeURIComponent(after)}`)
      : { world, entities: [], players: [], apps: [] };
  } catch (e) {
    if (seq === S.seq) showProblem(e);
    return;
  }
  if (seq !== S.seq) return;
  S.model = WorldModel.fromSnapshot(doc);
  for (const e of early) S.model.applyEvent(e);
  base = true;
  await render({ refit: opts.refit });
  setStatus('live', 'ready');
}

function touches(e, sel) {
  const hit = (c) => c.table === sel.table && (sel.table === 'player_states' ? c.playerId : c.entityId) === sel.id;
  return e.op === 'batch' ? (e.changes || []).some(hit) : hit(e);
}

let inspectorTimer = null;
function refreshInspectorSoon() {
  if (inspectorTimer) return;
  inspectorTimer = setTimeout(() => {
    inspectorTimer = null;
    if (S.sel) inspector.show(S.world, S.sel, S.model.get(S.sel), valueLabel());
  }, 500);
}

// ---- replay -------------------------------------------------------------------------------

/** Plays history forward from the cursor: the audit log's events applied as their times come, at the chosen speed. */
function play() {
  if (S.mode === 'replay') {
    pause();
    return;
  }
  if (S.mode !== 'at' || !S.at || S.at.ms === null || S.at.ms === undefined) {
    notice('Pick an instant on the timeline first: replay plays history forward from there.');
    return;
  }
  const from = S.at.kind === 'position' ? nextPosition(S.at.pos) : iso(S.at.ms + 1);
  const r = { vclock: S.at.ms, queue: [], next: null, done: false, fetching: false, last: performance.now(), stopped: false, from };
  S.seq++;
  S.replay = r;
  S.mode = 'replay';
  showCursor();
  const world = S.world;
  const more = async () => {
    r.fetching = true;
    try {
      const q = new URLSearchParams({ from: r.from, limit: '1000' });
      if (r.next) q.set('cursor', r.next);
      const doc = await S.api.get(`${worldPath(world)}/history?${q}`);
      for (const e of doc.items || []) r.queue.push(Object.assign(e, { ms: Date.parse(e.timestamp) }));
      r.next = doc.next;
      r.done = !doc.next;
    } catch (e) {
      showProblem(e);
      r.done = true;
    } finally {
      r.fetching = false;
    }
  };
  const tick = () => {
    if (r.stopped) return;
    const now = performance.now();
    const speed = Number($('#speed').value) || 1;
    r.vclock += (now - r.last) * speed;
    r.last = now;
    // a long quiet stretch is skipped: at most ~1.5 s of waiting for the next change
    if (r.queue.length && r.queue[0].ms > r.vclock + 1500 * speed) r.vclock = r.queue[0].ms - 200 * speed;
    let changed = false;
    let touched = false;
    while (r.queue.length && r.queue[0].ms <= r.vclock) {
      const e = r.queue.shift();
      S.model.applyEvent(e);
      changed = true;
      if (S.sel && touches(e, S.sel)) touched = true;
    }
    if (r.queue.length < 300 && !r.done && !r.fetching) more();
    if (changed) render({});
    if (touched && S.sel) inspector.setValue(S.model.get(S.sel), valueLabel());
    if (!r.queue.length && r.done && !r.fetching) {
      S.at = { kind: 'time', ms: S.model.time !== null ? Math.max(S.model.time, Math.min(r.vclock, timeline.last || r.vclock)) : r.vclock };
      S.replay = null;
      S.mode = 'at';
      showCursor();
      writeUrl(true);
      notice('Replay reached the end of the log. Press Live to follow new changes.');
      return;
    }
    timeline.show(r.vclock, false);
    S.at = { kind: 'time', ms: Math.round(r.vclock) };
    writeUrl(false);
    requestAnimationFrame(tick);
  };
  more().then(() => requestAnimationFrame(tick));
}

function pause() {
  const r = S.replay;
  if (!r) return;
  r.stopped = true;
  S.replay = null;
  S.mode = 'at';
  S.at = { kind: 'time', ms: Math.round(r.vclock) };
  showCursor();
  writeUrl(true);
}

function nextPosition(pos) {
  const [p, o] = pos.split('-').map(Number);
  return `${p}-${o + 1}`;
}

// ---- selection and side panels --------------------------------------------------------------

function select(sel) {
  S.sel = sel;
  map.select(selectionToParam(sel));
  writeUrl(true);
  switchTab('inspector');
  inspector.show(S.world, sel, S.model.get(sel), valueLabel());
}

function switchTab(tab) {
  S.tab = tab;
  for (const b of document.querySelectorAll('.tabs button')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const p of document.querySelectorAll('.panel')) p.hidden = p.id !== `panel-${tab}`;
  if (tab === 'ops') ops.open();
  else ops.close();
  if (tab === 'audit' && S.world) audit.open(S.world);
  if (tab === 'act' && S.world) act.open(S.world);
}

function openAt(position, sel) {
  if (sel) S.sel = sel;
  showAt({ kind: 'position', pos: position, ms: null }).then(() => {
    if (sel) select(sel);
  });
}

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  window.addEventListener('error', (e) => showProblem({ problem: { title: 'Console error', detail: e.message } }));
  window.addEventListener('unhandledrejection', (e) => showProblem(e.reason instanceof ApiError ? e.reason : { problem: { title: 'Console error', detail: String(e.reason && e.reason.message ? e.reason.message : e.reason) } }));
  document.addEventListener('securitypolicyviolation', (e) => {
    window.worldstoreConsole.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
  $('#signin-form').addEventListener('submit', signIn);
  $('#signout').addEventListener('click', () => signOut(null));
  $('#problem-close').addEventListener('click', () => { $('#problem').hidden = true; });
  $('#notice-close').addEventListener('click', () => { $('#notice').hidden = true; });
  $('#world-select').addEventListener('change', (e) => {
    if (e.target.value) openWorld(e.target.value, null, null);
  });
  map = new MapView($('#map'), $('#tooltip'), $('#legend'), (m) => select({ table: m.table, id: m.id }));
  timeline = new Timeline($('#timeline'), $('#time-label'), (ms) => {
    if (S.world) scrub(ms);
  });
  $('#fit').addEventListener('click', () => map.refit());
  $('#zoom-in').addEventListener('click', () => map.zoom(1.5, map.canvas.clientWidth / 2, map.canvas.clientHeight / 2));
  $('#zoom-out').addEventListener('click', () => map.zoom(1 / 1.5, map.canvas.clientWidth / 2, map.canvas.clientHeight / 2));
  $('#play').addEventListener('click', play);
  $('#live').addEventListener('click', () => {
    if (S.world) goLive({}).then(() => loadTimeline());
  });
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => switchTab(b.dataset.tab));
  const common = { get api() { return S.api; }, onProblem: showProblem };
  inspector = new Inspector(Object.assign(Object.create(common), { panel: $('#panel-inspector'), onShowAt: openAt, partition: () => S.partition }));
  audit = new AuditView(Object.assign(Object.create(common), { panel: $('#panel-audit'), onOpen: openAt }));
  ops = new OpsView(Object.assign(Object.create(common), { panel: $('#panel-ops'), isAdmin: () => !!(S.caller && S.caller.admin) }));
  act = new ActView(Object.assign(Object.create(common), {
    panel: $('#panel-act'),
    modal: $('#modal'),
    at: () => (S.mode === 'at' && S.at ? { asOf: S.at.kind === 'position' ? S.at.pos : iso(S.at.ms), label: S.at.kind === 'position' ? `position ${S.at.pos}` : when(S.at.ms) } : null),
    onDone: async (message, forked) => {
      notice(message);
      const doc = await S.api.get('/v1/worlds');
      S.worlds = doc.items || [];
      renderWorldList();
      loadTimeline();
      if (forked) notice(`${message} Pick ${forked} in the world list to open it.`);
    },
  }));
  inspector.clear();
}

/** For tests and tools: what the console shows, read from its state (not from pixels). */
window.worldstoreConsole = {
  cspViolations: [],
  markers: () => (map ? map.snapshot() : []),
  status: () => ({
    world: S.world,
    mode: S.mode,
    at: S.at ? (S.at.kind === 'position' ? S.at.pos : iso(S.at.ms)) : null,
    atMs: S.at ? S.at.ms : null,
    selection: selectionToParam(S.sel),
    markers: S.model.markers.size,
    position: S.model.position,
    caller: S.caller,
  }),
  perf: S.perf,
};

boot();
