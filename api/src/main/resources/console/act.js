// Acting on a world, carefully: restore it to the instant the map shows, or fork it into a new
// world as it was then. Each asks the server for a dry run first and shows what would change;
// nothing is written until the confirmation is accepted. The server checks the key's scopes anyway.

import { h, fill, count } from './dom.js';
import { worldPath } from './api.js';

export class ActView {
  /** @param ctx {api, panel, modal, onProblem(err), onDone(message, worldId|null), at(): {asOf, label}|null} */
  constructor(ctx) {
    this.ctx = ctx;
  }

  open(worldId) {
    this.worldId = worldId;
    const at = this.ctx.at();
    if (!at) {
      fill(this.ctx.panel, h('p', { class: 'muted', dataset: { testid: 'act-needs-instant' } },
        'Scrub the timeline (or open a change from the audit log) to pick the instant to restore to or fork from. Live shows the present.'));
      return;
    }
    this.target = h('input', { name: 'to', autocomplete: 'off', spellcheck: 'false', placeholder: 'new-world-id', dataset: { testid: 'fork-target' } });
    fill(this.ctx.panel,
      h('p', null, 'Instant: ', h('b', { dataset: { testid: 'act-instant' } }, at.label)),
      h('section', { class: 'act' },
        h('h3', null, 'Restore'),
        h('p', { class: 'muted' }, `Roll ${worldId} back to how it was at this instant. Appends new, audited events (nothing is erased); keys changed meanwhile are reported as conflicts.`),
        h('button', { type: 'button', class: 'danger', dataset: { testid: 'restore' }, onclick: () => this.restore(at) }, 'Restore world to this instant…')),
      h('section', { class: 'act' },
        h('h3', null, 'Fork'),
        h('p', { class: 'muted' }, `Copy ${worldId} as it was at this instant into a new, empty world. The source is not touched.`),
        h('label', null, 'New world id ', this.target),
        h('button', { type: 'button', dataset: { testid: 'fork' }, onclick: () => this.fork(at) }, 'Fork at this instant…')));
  }

  async restore(at) {
    const path = `${worldPath(this.worldId)}/restore`;
    let plan;
    try {
      plan = await this.ctx.api.post(path, { asOf: at.asOf, dryRun: true });
    } catch (e) {
      this.ctx.onProblem(e);
      return;
    }
    const ok = await this.confirm(`Restore ${this.worldId} to ${at.label}?`, [
      ['keys rewritten', plan.rewritten, 'rewritten'], ['keys deleted', plan.deleted, 'deleted'], ['keys unchanged', plan.unchanged, 'unchanged']],
    'Restore', plan.rewritten + plan.deleted === 0 ? 'The world already is as it was then: a restore would write nothing.' : null);
    if (!ok) return;
    try {
      const r = await this.ctx.api.post(path, { asOf: at.asOf });
      this.ctx.onDone(`Restored ${this.worldId} to ${at.label}: ${count(r.rewritten)} rewritten, ${count(r.deleted)} deleted, ${count(r.unchanged)} unchanged, ${count(r.conflicts)} conflict(s).`, null);
    } catch (e) {
      this.ctx.onProblem(e);
    }
  }

  async fork(at) {
    const to = this.target.value.trim();
    const path = `${worldPath(this.worldId)}/fork`;
    let plan;
    try {
      plan = await this.ctx.api.post(path, { to, asOf: at.asOf, dryRun: true });
    } catch (e) {
      this.ctx.onProblem(e);
      return;
    }
    const ok = await this.confirm(`Fork ${this.worldId} at ${at.label} into ${to}?`, [
      ['keys copied', plan.keys, 'keys'], ['entities', plan.entities, 'entities'], ['player states', plan.playerStates, 'playerStates'],
      ['app data', plan.appData, 'appData'], ['world state', plan.worldState ? 1 : 0, 'worldState']], 'Fork', null);
    if (!ok) return;
    try {
      const r = await this.ctx.api.post(path, { to, asOf: at.asOf });
      this.ctx.onDone(`Forked ${this.worldId} at ${at.label} into ${r.world}: ${count(r.keys)} key(s) in ${count(r.batches)} batch(es).`, r.world);
    } catch (e) {
      this.ctx.onProblem(e);
    }
  }

  /** A confirmation in the page (not window.confirm): resolves true on the action, false on cancel. */
  confirm(title, rows, action, note) {
    const modal = this.ctx.modal;
    return new Promise((resolve) => {
      const done = (v) => {
        modal.hidden = true;
        modal.replaceChildren();
        resolve(v);
      };
      fill(modal, h('div', { class: 'modal-box', role: 'dialog', 'aria-modal': 'true', dataset: { testid: 'confirm' } },
        h('h2', null, title),
        h('p', null, 'Dry run — what the server would do now:'),
        h('table', { class: 'plan' }, h('tbody', null, rows.map(([label, n, key]) => h('tr', { dataset: { key } }, h('td', null, label), h('td', { class: 'n' }, count(n)))))),
        note ? h('p', { class: 'muted' }, note) : null,
        h('div', { class: 'buttons' },
          h('button', { type: 'button', dataset: { testid: 'confirm-cancel' }, onclick: () => done(false) }, 'Cancel'),
          h('button', { type: 'button', class: 'danger', dataset: { testid: 'confirm-ok' }, onclick: () => done(true) }, action))));
      modal.hidden = false;
    });
  }
}

