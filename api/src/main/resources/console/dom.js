// Small DOM helpers. Every piece of stored data reaches the page through textContent or text
// nodes, never parsed as HTML markup, so a value such as "<img src=x onerror=...>" shows as those characters.

/** Creates an element: h('div', {class: 'x', onclick: f, dataset: {id: 1}}, 'text', child, [children]). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** An instant (epoch ms) as ISO-8601 UTC with milliseconds. */
export function iso(ms) {
  return new Date(ms).toISOString();
}

/** An instant for people: "2026-11-24 14:02:03.120 UTC". */
export function when(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

export function count(n) {
  return Number(n).toLocaleString('en-US');
}

/** JSON for reading: two-space indents. */
export function pretty(value) {
  return value === undefined ? '(absent)' : JSON.stringify(value, null, 2);
}

/** A value shortened for one table cell. */
export function brief(value, max = 80) {
  const s = value === undefined ? '(absent)' : JSON.stringify(value);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export function delay(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
