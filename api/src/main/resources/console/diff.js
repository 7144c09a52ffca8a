// What changed between two versions of a value: every added, removed and changed leaf, with its
// path (objects by member name, arrays by index), so "position[0]" or "inventory[1].quantity".

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function child(path, key, inArray) {
  if (inArray) return `${path}[${key}]`;
  const safe = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
  return path ? (safe.startsWith('"') ? `${path}[${safe}]` : `${path}.${safe}`) : safe.startsWith('"') ? `[${safe}]` : safe;
}

/**
 * The differences from `before` to `after` (either may be undefined: absent), as a list of
 * {path, kind: 'added' | 'removed' | 'changed', before, after}, in document order.
 */
export function diff(before, after, path = '', out = []) {
  if (before === undefined && after === undefined) return out;
  if (before === undefined) {
    out.push({ path: path || '(value)', kind: 'added', after });
    return out;
  }
  if (after === undefined) {
    out.push({ path: path || '(value)', kind: 'removed', before });
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) diff(i < before.length ? before[i] : undefined, i < after.length ? after[i] : undefined, child(path, i, true), out);
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) {
      diff(Object.prototype.hasOwnProperty.call(before, k) ? before[k] : undefined,
        Object.prototype.hasOwnProperty.call(after, k) ? after[k] : undefined, child(path, k, false), out);
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path: path || '(value)', kind: 'changed', before, after });
  return out;
}
