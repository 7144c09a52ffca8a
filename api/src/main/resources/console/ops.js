// The ops panel: the node's projector (state, lag per partition), save and load rates and latencies
// from /metrics (Prometheus text), and dead letters with their raw headers; a small live chart of
// each series, sampled every two seconds while the panel is open.

import { h, fill, when, count } from './dom.js';

const EVERY_MS = 2000;
const KEEP = 90;

/** Prometheus text exposition → [{name, labels, value}] (comments and blank lines skipped). */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

const sum = (ms, name, pred) => ms.filter((m) => m.name === name && (!pred || pred(m.labels))).reduce((n, m) => n + m.value, 0);

class Chart {
  constructor(title, unit) {
    this.title = title;
    this.unit = unit;
    this.values = [];
    this.canvas = h('canvas', { class: 'spark', width: 260, height: 48 });
    this.now = h('span', { class: 'now' });
    this.el = h('div', { class: 'chart', dataset: { chart: title } }, h('div', { class: 'chart-head' }, h('span', null, title), this.now), this.canvas);
  }

  push(v) {
    this.values.push(v);
    if (this.values.length > KEEP) this.values.shift();
    this.now.textContent = v === null || Number.isNaN(v) ? '—' : `${v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2)} ${this.unit}`;
    this.el.dataset.value = v === null ? '' : String(v);
    this.draw();
  }

  draw() {
    const c = this.canvas, ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    const vals = this.values.map((v) => (v === null || Number.isNaN(v) ? 0 : v));
    const max = Math.max(1e-9, ...vals);
    ctx.strokeStyle = '#59a1d4';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    vals.forEach((v, i) => {
      const x = (i / (KEEP - 1)) * (c.width - 2) + 1, y = c.height - 2 - (v / max) * (c.height - 6);
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
}

export class OpsView {
  /** @param ctx {api, panel, onProblem(err), isAdmin()} */
  constructor(ctx) {
    this.ctx = ctx;
    this.timer = null;
    this.prev = null;
  }

  open() {
    this.close();
    this.charts = {
      lag: new Chart('projector lag', 'events'),
      saves: new Chart('saves', '/s'),
      saveMs: new Chart('save latency (mean)', 'ms'),
      loads: new Chart('loads', '/s'),
      loadMs: new Chart('load latency (mean)', 'ms'),
      applied: new Chart('events applied', '/s'),
    };
    this.state = h('div', { class: 'projector', dataset: { testid: 'projector-state' } }, '…');
    this.partitions = h('tbody', null);
    this.dead = h('div', { dataset: { testid: 'dead-letters' } });
    fill(this.ctx.panel,
      h('h3', null, 'Projector'), this.state,
      h('table', { class: 'partitions', dataset: { testid: 'partition-lag' } }, h('thead', null, h('tr', null, h('th', null, 'partition'), h('th', null, 'lag (events)'))), this.partitions),
      h('div', { class: 'charts' }, Object.values(this.charts).map((c) => c.el)),
      h('h3', null, 'Dead letters'), this.dead);
    this.prev = null;
    this.tick();
    this.timer = setInterval(() => this.tick(), EVERY_MS);
    this.loadDeadLetters();
  }

  close() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async tick() {
    let ready;
    try {
      ready = await this.ctx.api.get('/health/ready');
    } catch (e) {
      ready = e.problem && e.problem.projector ? e.problem : { projector: 'unknown', lag: null, detail: e.problem ? e.problem.detail : String(e) };
    }
    fill(this.state, h('b', null, ready.projector || ready.status || '?'), ready.lag === null || ready.lag === undefined ? '' : ` · ${count(ready.lag)} event(s) behind`);
    this.state.dataset.state = ready.projector || '';
    let text;
    try {
      text = await this.ctx.api.get('/metrics', { asText: true });
    } catch (e) {
      this.ctx.onProblem(e);
      return;
    }
    const ms = parseMetrics(text);
    const now = performance.now();
    const lag = ms.filter((m) => m.name === 'worldstore_projector_lag').sort((a, b) => Number(a.labels.partition) - Number(b.labels.partition));
    fill(this.partitions, lag.map((m) => h('tr', { dataset: { partition: m.labels.partition } }, h('td', null, m.labels.partition), h('td', null, count(m.value)))));
    const cur = {
      t: now,
      saves: sum(ms, 'worldstore_saves_seconds_count'),
      saveSum: sum(ms, 'worldstore_saves_seconds_sum'),
      loads: sum(ms, 'worldstore_loads_seconds_count'),
      loadSum: sum(ms, 'worldstore_loads_seconds_sum'),
      applied: sum(ms, 'worldstore_projector_applied_total'),
    };
    this.charts.lag.push(lag.reduce((n, m) => n + m.value, 0));
    if (this.prev) {
      const dt = (cur.t - this.prev.t) / 1000;
      const ds = cur.saves - this.prev.saves, dl = cur.loads - this.prev.loads;
      this.charts.saves.push(ds / dt);
      this.charts.saveMs.push(ds > 0 ? ((cur.saveSum - this.prev.saveSum) / ds) * 1000 : null);
      this.charts.loads.push(dl / dt);
      this.charts.loadMs.push(dl > 0 ? ((cur.loadSum - this.prev.loadSum) / dl) * 1000 : null);
      this.charts.applied.push((cur.applied - this.prev.applied) / dt);
    }
    this.prev = cur;
  }

  async loadDeadLetters() {
    if (!this.ctx.isAdmin()) {
      fill(this.dead, h('p', { class: 'muted' }, 'Dead letters need an admin key.'));
      return;
    }
    let doc;
    try {
      doc = await this.ctx.api.get('/v1/dead-letters?limit=50');
    } catch (e) {
      fill(this.dead, h('p', { class: 'muted' }, `${e.problem ? e.problem.title : 'Error'}: ${e.problem ? e.problem.detail : e}`));
      return;
    }
    const items = doc.items || [];
    fill(this.dead, items.length ? items.map((d) => h('details', { class: 'dead', dataset: { position: d.position } },
      h('summary', null, h('span', { class: 'mono' }, d.position), ' ', when(Date.parse(d.recordedAt)), ' — ', d.reason),
      h('div', { class: 'muted small' }, 'headers'), h('pre', { class: 'json' }, d.headers || '(none)'),
      h('div', { class: 'muted small' }, `value (${count(d.valueBytes)} bytes${d.truncated ? ', cut' : ''}${d.valueBase64 ? ', base64: not UTF-8' : ''})`),
      h('pre', { class: 'json' }, d.value !== undefined && d.value !== null ? d.value : d.valueBase64 || '(null)'))) : h('p', { class: 'muted' }, 'none'));
  }
}
