// The top-down map: every placed entity and player on the x/z plane of a 2D canvas (one draw per
// frame whatever the number of markers: markers of one colour are filled as one path), auto-fitted,
// with pan (drag), zoom (wheel, +/-), hover (id and name) and click (select).

import { h, fill } from './dom.js';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#edc948', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6', '#d37295', '#a0cbe8'];
const PLAYER_COLOUR = '#e15759';
const OTHER = 'other';
const HIT_PX = 8;

export class MapView {
  constructor(canvas, tooltip, legend, onSelect) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.legend = legend;
    this.onSelect = onSelect;
    this.markers = [];
    this.colours = new Map();
    this.view = { scale: 1, ox: 0, oy: 0 };
    this.fitted = false;
    this.selected = null;
    this.hovered = null;
    this.pending = false;
    this.drawn = 0;
    this.onDrawn = null;
    this.drag = null;
    this.bindEvents();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  bindEvents() {
    const c = this.canvas;
    c.addEventListener('pointerdown', (e) => {
      this.drag = { x: e.clientX, y: e.clientY, ox: this.view.ox, oy: this.view.oy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (this.drag) {
        const dx = e.clientX - this.drag.x, dy = e.clientY - this.drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
        if (this.drag.moved) {
          this.view.ox = this.drag.ox + dx;
          this.view.oy = this.drag.oy + dy;
          this.fitted = true;
          this.redraw();
        }
        return;
      }
      this.hover(this.hit(e));
    });
    c.addEventListener('pointerup', (e) => {
      const d = this.drag;
      this.drag = null;
      if (d && !d.moved) {
        const m = this.hit(e);
        if (m) this.onSelect(m);
      }
    });
    c.addEventListener('pointerleave', () => this.hover(null));
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
  }

  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), hgt = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== hgt) {
      this.canvas.width = w;
      this.canvas.height = hgt;
      if (!this.fitted) this.fit();
      this.redraw();
    }
  }

  /** Zooms by `factor` around the point (px, py) of the canvas (CSS pixels). */
  zoom(factor, px, py) {
    const v = this.view;
    const k = Math.min(1e6, Math.max(1e-6, v.scale * factor)) / v.scale;
    v.ox = px - (px - v.ox) * k;
    v.oy = py - (py - v.oy) * k;
    v.scale *= k;
    this.fitted = true;
    this.redraw();
  }

  /** Fits every placed marker into the canvas. */
  fit() {
    const placed = this.markers.filter((m) => m.placed);
    const r = this.canvas.getBoundingClientRect();
    if (!placed.length || r.width < 2) {
      this.view = { scale: 1, ox: r.width / 2, oy: r.height / 2 };
      return;
    }
    let minX = Infinity, maxX = -Infinity, minZ = Infinity, maxZ = -Infinity;
    for (const m of placed) {
      if (m.x < minX) minX = m.x;
      if (m.x > maxX) maxX = m.x;
      if (m.z < minZ) minZ = m.z;
      if (m.z > maxZ) maxZ = m.z;
    }
    const pad = 32;
    const w = Math.max(maxX - minX, 1e-3), d = Math.max(maxZ - minZ, 1e-3);
    const scale = Math.min((r.width - 2 * pad) / w, (r.height - 2 * pad) / d);
    this.view = { scale, ox: r.width / 2 - ((minX + maxX) / 2) * scale, oy: r.height / 2 - ((minZ + maxZ) / 2) * scale };
    this.fitted = placed.length > 0;
  }

  refit() {
    this.fitted = false;
    this.fit();
    this.redraw();
  }

  /** New markers to draw (an iterable of the world model's markers). */
  setMarkers(markers, { refit } = {}) {
    this.markers = Array.from(markers);
    if (refit || !this.fitted) this.fit();
    this.updateLegend();
    this.redraw();
  }

  colourOf(category) {
    return category === 'player' ? PLAYER_COLOUR : this.colours.get(category) || this.colours.get(OTHER) || PALETTE[PALETTE.length - 1];
  }

  updateLegend() {
    const byCat = new Map();
    let players = 0, unplaced = 0;
    for (const m of this.markers) {
      if (!m.placed) unplaced++;
      if (m.kind === 'player') players++;
      else byCat.set(m.category, (byCat.get(m.category) || 0) + 1);
    }
    const ranked = [...byCat.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const shown = ranked.slice(0, PALETTE.length - 1);
    const rest = ranked.slice(PALETTE.length - 1).reduce((n, e) => n + e[1], 0);
    this.colours = new Map(shown.map(([cat], i) => [cat, PALETTE[i]]));
    this.colours.set(OTHER, PALETTE[PALETTE.length - 1]);
    const row = (colour, label, n, shape) => h('li', null, h('span', { class: `swatch ${shape}`, dataset: { colour } }), h('span', { class: 'label' }, label), h('span', { class: 'n' }, n.toLocaleString('en-US')));
    fill(this.legend,
      shown.map(([cat, n]) => row(this.colourOf(cat), cat, n, 'square')),
      rest ? row(this.colourOf(OTHER), 'other', rest, 'square') : null,
      row(PLAYER_COLOUR, 'players', players, 'round'),
      unplaced ? h('li', { class: 'muted' }, `${unplaced.toLocaleString('en-US')} without a position (not drawn)`) : null);
    // swatch colours through the CSSOM (no inline style attribute: the page's CSP forbids those)
    for (const s of this.legend.querySelectorAll('.swatch')) s.style.background = s.dataset.colour;
  }

  select(key) {
    this.selected = key;
    this.redraw();
  }

  hover(m) {
    const key = m ? m.key : null;
    if (key === (this.hovered && this.hovered.key)) return;
    this.hovered = m;
    if (!m) {
      this.tooltip.hidden = true;
    } else {
      fill(this.tooltip, h('div', { class: 'tip-id' }, `${m.kind} ${m.id}`), m.name ? h('div', { class: 'tip-name' }, m.name) : null,
        h('div', { class: 'tip-pos' }, `x ${m.x.toFixed(2)} · z ${m.z.toFixed(2)}`));
      const { sx, sy } = this.toScreen(m);
      this.tooltip.style.left = `${Math.round(sx + 12)}px`;
      this.tooltip.style.top = `${Math.round(sy + 12)}px`;
      this.tooltip.hidden = false;
    }
    this.canvas.style.cursor = m ? 'pointer' : 'grab';
    this.redraw();
  }

  toScreen(m) {
    return { sx: m.x * this.view.scale + this.view.ox, sy: m.z * this.view.scale + this.view.oy };
  }

  /** The marker under a pointer event, if any within a few pixels (players win over entities). */
  hit(e) {
    const r = this.canvas.getBoundingClientRect();
    const px = e.clientX - r.left, py = e.clientY - r.top;
    let best = null, bestD = HIT_PX * HIT_PX;
    for (const m of this.markers) {
      if (!m.placed) continue;
      const { sx, sy } = this.toScreen(m);
      const d = (sx - px) * (sx - px) + (sy - py) * (sy - py) - (m.kind === 'player' ? 4 : 0);
      if (d <= bestD) {
        best = m;
        bestD = d;
      }
    }
    return best;
  }

  redraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const c = this.canvas, ctx = c.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = c.width / dpr, hgt = c.height / dpr;
    ctx.fillStyle = '#10151c';
    ctx.fillRect(0, 0, w, hgt);
    this.drawGrid(ctx, w, hgt);
    const v = this.view;
    const groups = new Map();
    const players = [];
    for (const m of this.markers) {
      if (!m.placed) continue;
      if (m.kind === 'player') {
        players.push(m);
        continue;
      }
      const colour = this.colourOf(this.colours.has(m.category) ? m.category : OTHER);
      let g = groups.get(colour);
      if (!g) groups.set(colour, (g = []));
      g.push(m);
    }
    for (const [colour, list] of groups) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (const m of list) ctx.rect(m.x * v.scale + v.ox - 2.5, m.z * v.scale + v.oy - 2.5, 5, 5);
      ctx.fill();
    }
    ctx.strokeStyle = '#ffd7d7';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const m of players) {
      if (!m.dir) continue;
      const sx = m.x * v.scale + v.ox, sy = m.z * v.scale + v.oy;
      ctx.moveTo(sx, sy);
      ctx.lineTo(sx + m.dir[0] * 11, sy + m.dir[1] * 11);
    }
    ctx.stroke();
    ctx.fillStyle = PLAYER_COLOUR;
    ctx.beginPath();
    for (const m of players) {
      const sx = m.x * v.scale + v.ox, sy = m.z * v.scale + v.oy;
      ctx.moveTo(sx + 4.5, sy);
      ctx.arc(sx, sy, 4.5, 0, Math.PI * 2);
    }
    ctx.fill();
    for (const [key, colour] of [[this.hovered && this.hovered.key, '#ffffff'], [this.selected, '#ffe14d']]) {
      const m = key && this.markers.find((x) => x.key === key);
      if (!m || !m.placed) continue;
      const { sx, sy } = this.toScreen(m);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx, sy, 9, 0, Math.PI * 2);
      ctx.stroke();
    }
    this.drawn++;
    const counts = { entities: 0, players: players.length };
    for (const list of groups.values()) counts.entities += list.length;
    c.dataset.markerCount = String(counts.entities + counts.players);
    c.dataset.entityMarkers = String(counts.entities);
    c.dataset.playerMarkers = String(counts.players);
    c.dataset.frames = String(this.drawn);
    if (this.onDrawn) this.onDrawn();
  }

  drawGrid(ctx, w, hgt) {
    const v = this.view;
    // a grid step of 1, 2 or 5 × 10^n world units, about 80 px apart
    const raw = 80 / v.scale;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = raw / p < 2 ? p : raw / p < 5 ? 2 * p : 5 * p;
    ctx.strokeStyle = '#1d2631';
    ctx.lineWidth = 1;
    ctx.beginPath();
    const x0 = Math.floor(-v.ox / v.scale / step) * step, z0 = Math.floor(-v.oy / v.scale / step) * step;
    for (let x = x0; x * v.scale + v.ox < w; x += step) {
      const sx = Math.round(x * v.scale + v.ox) + 0.5;
      ctx.moveTo(sx, 0);
      ctx.lineTo(sx, hgt);
    }
    for (let z = z0; z * v.scale + v.oy < hgt; z += step) {
      const sy = Math.round(z * v.scale + v.oy) + 0.5;
      ctx.moveTo(0, sy);
      ctx.lineTo(w, sy);
    }
    ctx.stroke();
    ctx.fillStyle = '#5c6b7a';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(`grid ${step} · x → · z ↓`, 8, hgt - 8);
  }

  /** For tests and tools: every drawn marker with its world and screen (CSS pixel) position. */
  snapshot() {
    const r = this.canvas.getBoundingClientRect();
    return this.markers.filter((m) => m.placed).map((m) => {
      const { sx, sy } = this.toScreen(m);
      return { key: m.key, kind: m.kind, id: m.id, name: m.name, category: m.category, x: m.x, z: m.z, sx, sy, pageX: r.left + sx, pageY: r.top + sy };
    });
  }
}
