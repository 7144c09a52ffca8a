// The inspector: one key of the map (an entity or a player state): its value as the map shows it,
// and its history, newest first and paged, each version with who made it (actor), from which node
// (origin), when, and what changed from the version before (added, removed, changed fields).

import { h, fill, pretty, brief, when } from './dom.js';
import { historyPath } from './api.js';
import { diff } from './diff.js';

const PAGE = 20;

export class Inspector {
  /** @param ctx {api, panel, onProblem(err), onShowAt(position, sel), partition()} */
  constructor(ctx) {
    this.ctx = ctx;
    this.sel = null;
    this.worldId = null;
    this.token = 0;
  }

  clear() {
    this.sel = null;
    this.token++;
    fill(this.ctx.panel, h('p', { class: 'muted', dataset: { testid: 'inspector-empty' } }, 'Click a marker on the map, or a key in the audit log, to inspect it.'));
  }

  /** Shows `sel` ({table, id}) of `worldId`; `value` is its value at the instant the map shows (undefined: absent then). */
  async show(worldId, sel, value, label) {
    const token = ++this.token;
    this.sel = sel;
    this.worldId = worldId;
    const kind = sel.table === 'player_states' ? 'player' : 'entity';
    this.valueBox = h('pre', { class: 'json', dataset: { testid: 'inspector-value' } });
    this.valueLabel = h('h3', null);
    this.history = h('ol', { class: 'history', dataset: { testid: 'inspector-history' } });
    this.more = h('button', { type: 'button', class: 'link', hidden: true }, 'Older versions');
    fill(this.ctx.panel,
      h('header', { class: 'inspector-head' },
        h('div', { class: 'kind' }, kind),
        h('h2', { dataset: { testid: 'inspector-id' } }, sel.id)),
      this.valueLabel, this.valueBox,
      h('h3', null, 'History ', h('span', { class: 'muted' }, '(newest first; each version against the one before)')),
      this.history, this.more);
    this.setValue(value, label);
    this.more.addEventListener('click', () => this.page(token, this.nextBefore));
    await this.page(token, null);
  }

  /** The value at the map's instant changed (scrub, replay, live). */
  setValue(value, label) {
    if (!this.sel) return;
    this.valueLabel.textContent = label;
    this.valueBox.textContent = value === undefined ? '(no value at this instant)' : pretty(value);
  }

  async page(token, before) {
    const sel = this.sel;
    let doc;
    try {
      const q = new URLSearchParams({ limit: String(PAGE + 1), withResult: 'true' });
      if (before !== null && before !== undefined) q.set('before', String(before));
      doc = await this.ctx.api.get(`${historyPath(this.worldId, sel)}?${q}`);
    } catch (e) {
      if (token === this.token) this.ctx.onProblem(e);
      return;
    }
    if (token !== this.token) return;
    const items = doc.items || [];
    const shown = items.slice(0, PAGE);
    shown.forEach((item, i) => {
      const older = items[i + 1];
      this.history.append(this.row(item, older, !older && !doc.next && items.length <= PAGE));
    });
    const hasMore = items.length > PAGE || (doc.next && items.length === PAGE);
    this.nextBefore = items.length > PAGE ? items[PAGE].version + 1 : doc.next;
    this.more.hidden = !hasMore;
    if (!items.length && before === null) this.history.append(h('li', { class: 'muted' }, 'no history on this node'));
  }

  row(item, older, isFirst) {
    const after = item.op === 'delete' ? undefined : item.result;
    const before = older ? (older.op === 'delete' ? undefined : older.result) : undefined;
    const changes = older || isFirst ? diff(before === undefined && after && typeof after === 'object' && !Array.isArray(after) ? {} : before, after) : null;
    const part = this.ctx.partition();
    const position = part === null ? null : `${part}-${item.version}`;
    return h('li', { class: 'version', dataset: { version: String(item.version), op: item.op } },
      h('div', { class: 'facts' },
        h('span', { class: `op op-${item.op}` }, item.op),
        h('span', { class: 'v' }, `v${item.version}`),
        h('time', null, when(Date.parse(item.timestamp))),
        position ? h('button', { type: 'button', class: 'link', title: 'show the world right after this change', onclick: () => this.ctx.onShowAt(position, this.sel) }, 'show on map') : null),
      h('div', { class: 'who' },
        h('span', null, 'by ', h('b', { dataset: { testid: 'actor' } }, item.actor === null || item.actor === undefined ? '(node)' : item.actor)),
        h('span', null, ' from ', h('b', { dataset: { testid: 'origin' } }, item.origin || '?'))),
      changes === null ? h('div', { class: 'muted' }, 'older version on the next page')
        : changes.length === 0 ? h('div', { class: 'muted' }, 'no field changed')
          : h('table', { class: 'diff' }, h('tbody', null, changes.map((c) => h('tr', { class: `d-${c.kind}`, dataset: { path: c.path, kind: c.kind } },
            h('td', { class: 'sign' }, c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'),
            h('td', { class: 'path' }, c.path),
            h('td', { class: 'val' }, c.kind === 'added' ? brief(c.after) : c.kind === 'removed' ? brief(c.before) : `${brief(c.before)} → ${brief(c.after)}`))))));
  }
}
