// The time scrubber: the world's log from its first to its last change, with the density of
// changes drawn as bars, and a cursor at the instant the map shows. Dragging (or the arrow keys)
// moves the cursor; onScrub(ms) is called as it moves.

import { when } from './dom.js';

export class Timeline {
  constructor(canvas, label, onScrub) {
    this.canvas = canvas;
    this.label = label;
    this.onScrub = onScrub;
    this.first = null;
    this.last = null;
    this.density = [];
    this.cursor = null;
    this.live = false;
    this.dragging = false;
    const pick = (e) => {
      if (this.first === null) return;
      const r = canvas.getBoundingClientRect();
      const f = Math.min(1, Math.max(0, (e.clientX - r.left - this.pad()) / (r.width - 2 * this.pad())));
      this.scrubTo(Math.round(this.first + f * (this.last - this.first)));
    };
    canvas.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      canvas.setPointerCapture(e.pointerId);
      pick(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.dragging) pick(e);
    });
    canvas.addEventListener('pointerup', () => {
      this.dragging = false;
    });
    canvas.addEventListener('keydown', (e) => {
      if (this.first === null) return;
      const span = Math.max(1, this.last - this.first);
      const step = e.shiftKey ? span / 10 : span / 100;
      const at = this.cursor === null ? this.last : this.cursor;
      if (e.key === 'ArrowLeft') this.scrubTo(Math.max(this.first, Math.round(at - step)));
      else if (e.key === 'ArrowRight') this.scrubTo(Math.min(this.last, Math.round(at + step)));
      else if (e.key === 'Home') this.scrubTo(this.first);
      else if (e.key === 'End') this.scrubTo(this.last);
      else return;
      e.preventDefault();
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  pad() {
    return 8;
  }

  scrubTo(ms) {
    this.cursor = ms;
    this.live = false;
    this.draw();
    this.onScrub(ms);
  }

  /** The world's timeline: {first, last, density} as GET …/timeline answers it. */
  setData(t) {
    this.first = t.first ? Date.parse(t.first) : null;
    this.last = t.last ? Date.parse(t.last) : null;
    if (this.first !== null && this.last === this.first) this.last = this.first + 1;
    this.density = t.density || [];
    this.draw();
  }

  /** A change seen live at `ms`: the range grows to include it. */
  extend(ms) {
    if (this.first === null) {
      this.first = ms;
      this.last = ms + 1;
      this.density = [1];
    } else if (ms > this.last) {
      this.last = ms;
    }
    if (this.density.length) this.density[this.density.length - 1]++;
    this.draw();
  }

  /** Shows the cursor at `ms`, or at the live end when `live`. */
  show(ms, live) {
    this.cursor = ms;
    this.live = !!live;
    this.draw();
  }

  draw() {
    const c = this.canvas, ctx = c.getContext('2d');
    const r = c.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(r.width * dpr) || c.height !== Math.round(r.height * dpr)) {
      c.width = Math.max(1, Math.round(r.width * dpr));
      c.height = Math.max(1, Math.round(r.height * dpr));
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = r.width, hgt = r.height, pad = this.pad();
    ctx.fillStyle = '#0c1117';
    ctx.fillRect(0, 0, w, hgt);
    if (this.first === null) {
      ctx.fillStyle = '#5c6b7a';
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText('no history yet', pad, hgt / 2 + 4);
      this.label.textContent = this.live ? 'live' : '';
      c.dataset.cursor = '';
      return;
    }
    const inner = w - 2 * pad;
    const n = this.density.length;
    const max = Math.max(1, ...this.density);
    ctx.fillStyle = '#2f6f9f';
    for (let i = 0; i < n; i++) {
      if (!this.density[i]) continue;
      const bh = Math.max(2, (Math.sqrt(this.density[i]) / Math.sqrt(max)) * (hgt - 18));
      ctx.fillRect(pad + (i / n) * inner, hgt - 4 - bh, Math.max(1, inner / n - 1), bh);
    }
    const at = this.live || this.cursor === null ? this.last : Math.min(this.last, Math.max(this.first, this.cursor));
    const x = pad + ((at - this.first) / (this.last - this.first)) * inner;
    ctx.fillStyle = 'rgba(255, 225, 77, 0.12)';
    ctx.fillRect(pad, 0, x - pad, hgt);
    ctx.strokeStyle = this.live ? '#59d48a' : '#ffe14d';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, hgt);
    ctx.stroke();
    ctx.fillStyle = '#8696a7';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(when(this.first), pad, 12);
    const end = when(this.last);
    ctx.fillText(end, w - pad - ctx.measureText(end).width, 12);
    this.label.textContent = this.live ? `live · last change ${when(this.last)}` : when(this.cursor);
    c.dataset.cursor = this.live ? 'live' : String(this.cursor);
  }
}
