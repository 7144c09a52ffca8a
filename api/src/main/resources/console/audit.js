// The world's audit log: its accepted changes in log order, filtered by table, actor, origin and
// time range, a page at a time. A batch is one row with its changes. Every key and time links to
// the map at that instant with that key selected.

import { h, fill, when, brief } from './dom.js';
import { worldPath } from './api.js';
import { describeKey, selectionOf } from './world.js';

const PAGE = 50;

function isoFromLocal(v) {
  if (!v) return null;
  const ms = Date.parse(v.length === 16 ? `${v}:00Z` : `${v}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export class AuditView {
  /** @param ctx {api, panel, onProblem(err), onOpen(position, sel|null)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.worldId = null;
    this.token = 0;
  }

  open(worldId) {
    this.worldId = worldId;
    this.token++;
    const input = (name, label, type = 'text') => h('label', null, label, h('input', { name, type, autocomplete: 'off', spellcheck: 'false' }));
    this.form = h('form', { class: 'filters', dataset: { testid: 'audit-filters' } },
      h('label', null, 'Table', h('select', { name: 'table' },
        h('option', { value: '' }, 'all'), ['entity_states', 'player_states', 'world_state', 'app_storage'].map((t) => h('option', { value: t }, t)))),
      input('actor', 'Actor'), input('origin', 'Origin (node)'),
      input('from', 'From (UTC)', 'datetime-local'), input('to', 'To (UTC)', 'datetime-local'),
      h('button', { type: 'submit' }, 'Filter'));
    this.form.querySelectorAll('input[type=datetime-local]').forEach((i) => { i.step = '1'; });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.load(null);
    });
    this.rows = h('tbody', null);
    this.more = h('button', { type: 'button', class: 'link', hidden: true }, 'More');
    this.more.addEventListener('click', () => this.load(this.next));
    this.status = h('p', { class: 'muted' });
    fill(this.ctx.panel, this.form,
      h('table', { class: 'audit', dataset: { testid: 'audit-table' } },
        h('thead', null, h('tr', null, ['Time (UTC)', 'Position', 'Change', 'Actor', 'Origin'].map((t) => h('th', null, t)))), this.rows),
      this.more, this.status);
    this.load(null);
  }

  query() {
    const f = new FormData(this.form);
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (f.get('table')) q.set('table', f.get('table'));
    for (const k of ['actor', 'origin']) if (String(f.get(k) || '').trim()) q.set(k, String(f.get(k)).trim());
    const from = isoFromLocal(String(f.get('from') || '')), to = isoFromLocal(String(f.get('to') || ''));
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    return q;
  }

  async load(cursor) {
    const token = cursor ? this.token : ++this.token;
    if (!cursor) {
      this.rows.replaceChildren();
      this.status.textContent = 'loading…';
      this.q = this.query();
    }
    const q = new URLSearchParams(this.q);
    if (cursor) q.set('cursor', cursor);
    let doc;
    try {
      doc = await this.ctx.api.get(`${worldPath(this.worldId)}/history?${q}`);
    } catch (e) {
      if (token === this.token) {
        this.status.textContent = '';
        this.ctx.onProblem(e);
      }
      return;
    }
    if (token !== this.token) return;
    for (const ev of doc.items || []) this.rows.append(this.row(ev));
    this.next = doc.next;
    this.more.hidden = !doc.next;
    const n = this.rows.children.length;
    this.status.textContent = n ? `${n} event(s)${doc.next ? ' so far' : ''}` : doc.next ? 'nothing yet in the part read; press More' : 'no matching change';
  }

  keyLink(c, position) {
    const sel = selectionOf(c);
    return h('button', { type: 'button', class: 'link key', title: 'show on the map at this change', onclick: () => this.ctx.onOpen(position, sel) }, describeKey(c));
  }

  row(ev) {
    const time = h('button', { type: 'button', class: 'link', onclick: () => this.ctx.onOpen(ev.position, null) }, when(Date.parse(ev.timestamp)));
    let change;
    if (ev.op === 'batch') {
      const list = h('ul', { class: 'batch-changes' }, (ev.changes || []).map((c) => h('li', null, h('span', { class: `op op-${c.op}` }, c.op), ' ', this.keyLink(c, ev.position))));
      change = h('details', { class: 'batch' }, h('summary', null, h('span', { class: 'op op-batch' }, 'batch'), ` ${(ev.changes || []).length} change(s)`), list);
    } else {
      change = h('div', null, h('span', { class: `op op-${ev.op}` }, ev.op), ' ', this.keyLink(ev, ev.position),
        h('div', { class: 'muted small' }, ev.op === 'put' ? brief(ev.value, 70) : ev.op === 'merge-patch' ? brief(ev.patch, 70) : ''));
    }
    return h('tr', { dataset: { position: ev.position, op: ev.op } },
      h('td', null, time), h('td', { class: 'mono' }, ev.position), h('td', null, change),
      h('td', { dataset: { testid: 'audit-actor' } }, ev.actor === null || ev.actor === undefined ? '(node)' : ev.actor), h('td', null, ev.origin || ''));
  }
}
