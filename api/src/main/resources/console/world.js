// A world as the console holds it in memory: entities and player states from a snapshot, kept up to
// date by applying change events (from the audit log while replaying, from the change feed when
// live). Also the shapes the map needs: positions and headings in both of the forms worldstore
// accepts (Hyperfy's arrays and the guide's {x,y,z} objects).

const finite = (n) => typeof n === 'number' && Number.isFinite(n);

/** [x, y, z] from [x, y, z] or {x, y, z}; null for anything else. */
export function vec3(v) {
  if (Array.isArray(v)) return v.length >= 3 && finite(v[0]) && finite(v[1]) && finite(v[2]) ? [v[0], v[1], v[2]] : null;
  if (v && typeof v === 'object') return finite(v.x) && finite(v.y) && finite(v.z) ? [v.x, v.y, v.z] : null;
  return null;
}

/** [x, y, z, w] from [x, y, z, w] or {x, y, z, w}; null for anything else. */
export function quat(v) {
  if (Array.isArray(v)) return v.length >= 4 && v.slice(0, 4).every(finite) ? [v[0], v[1], v[2], v[3]] : null;
  if (v && typeof v === 'object') return [v.x, v.y, v.z, v.w].every(finite) ? [v.x, v.y, v.z, v.w] : null;
  return null;
}

/**
 * Where a rotation faces on the x/z plane: the local forward axis (0, 0, -1, as in three.js and
 * Hyperfy) rotated by the quaternion, as a unit [dx, dz]; null when it points straight up or down
 * or the quaternion is not one.
 */
export function heading(q) {
  if (!q) return null;
  const [x, y, z, w] = q;
  const n = Math.hypot(x, y, z, w);
  if (!(n > 0)) return null;
  // v' = v + 2w(u × v) + 2u × (u × v) for u = (x, y, z)/n, v = (0, 0, -1)
  const ux = x / n, uy = y / n, uz = z / n, uw = w / n;
  const cx = -uy, cy = ux; // u × v, with v = (0, 0, -1): (uy*-1 - uz*0, uz*0 - ux*-1, 0)
  const ccx = uy * 0 - uz * cy, ccz = ux * cy - uy * cx; // u × (u × v), x and z components
  const dx = 2 * uw * cx + 2 * ccx;
  const dz = -1 + 2 * ccz;
  const len = Math.hypot(dx, dz);
  return len > 1e-6 ? [dx / len, dz / len] : null;
}

/** RFC 7396 JSON Merge Patch. Does not modify its arguments. */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === 'object' && !Array.isArray(target) ? Object.assign({}, target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const text = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** What the legend groups an entity by: its blueprint, else its metadata type, else its type. */
export function categoryOf(value) {
  if (!value || typeof value !== 'object') return 'entity';
  if (typeof value.blueprint === 'string' && value.blueprint) return value.blueprint;
  const meta = value.metadata && typeof value.metadata === 'object' ? value.metadata : {};
  if (typeof meta.type === 'string' && meta.type) return meta.type;
  if (typeof value.type === 'string' && value.type) return value.type;
  return 'entity';
}

function nameOf(value) {
  if (!value || typeof value !== 'object') return '';
  const meta = value.metadata && typeof value.metadata === 'object' ? value.metadata : {};
  return text(meta.name !== undefined ? meta.name : value.name !== undefined ? value.name : value.username);
}

/** One thing on the map (as plain data: the map draws these). */
function marker(table, id, value) {
  const kind = table === 'player_states' ? 'player' : 'entity';
  const pos = vec3(value && value.position);
  const rot = quat(value && (value.quaternion !== undefined ? value.quaternion : value.rotation));
  return {
    key: `${kind}:${id}`,
    kind,
    table,
    id,
    name: nameOf(value),
    category: kind === 'player' ? 'player' : categoryOf(value),
    x: pos ? pos[0] : NaN,
    z: pos ? pos[2] : NaN,
    placed: !!pos,
    dir: heading(rot),
  };
}

export class WorldModel {
  constructor(worldId) {
    this.worldId = worldId;
    /** "entity:<id>" / "player:<id>" → {table, id, value} */
    this.values = new Map();
    /** same keys → marker */
    this.markers = new Map();
    this.worldState = null;
    this.apps = 0;
    /** position of the last change applied ("p-o"), when known */
    this.position = null;
    /** time (epoch ms) of the last change applied, when known */
    this.time = null;
    this.applied = 0;
  }

  /** From a snapshot document: {"world", "asOf", "worldState", "entities", "players", "apps"}. */
  static fromSnapshot(doc) {
    const m = new WorldModel(doc.world);
    m.worldState = doc.worldState === undefined ? null : doc.worldState;
    for (const e of doc.entities || []) {
      if (e && typeof e === 'object' && typeof e.id === 'string') m.set('entity_states', e.id, e);
    }
    for (const p of doc.players || []) m.set('player_states', p.playerId, p.state);
    m.apps = (doc.apps || []).length;
    return m;
  }

  set(table, id, value) {
    const kind = table === 'player_states' ? 'player' : 'entity';
    const key = `${kind}:${id}`;
    this.values.set(key, { table, id, value });
    this.markers.set(key, marker(table, id, value));
  }

  remove(table, id) {
    const key = `${table === 'player_states' ? 'player' : 'entity'}:${id}`;
    this.values.delete(key);
    this.markers.delete(key);
  }

  get(sel) {
    const v = this.values.get(`${sel.table === 'player_states' ? 'player' : 'entity'}:${sel.id}`);
    return v ? v.value : undefined;
  }

  /** Applies one change {table, <ids>, op, value | patch}; returns true if the map changed. */
  applyChange(c) {
    let id;
    if (c.table === 'entity_states') id = c.entityId;
    else if (c.table === 'player_states') id = c.playerId;
    else if (c.table === 'world_state') {
      this.worldState = c.op === 'delete' ? null : c.op === 'put' ? c.value : mergePatch(this.worldState, c.patch);
      return false;
    } else {
      return false;
    }
    if (c.op === 'delete') this.remove(c.table, id);
    else if (c.op === 'put') this.set(c.table, id, c.value);
    else if (c.op === 'merge-patch') this.set(c.table, id, mergePatch(this.get({ table: c.table, id }), c.patch));
    return true;
  }

  /** Applies one event of the change feed or the audit log (a batch is one event with all its changes). */
  applyEvent(e) {
    let changed = false;
    if (e.op === 'batch') {
      for (const c of e.changes || []) changed = this.applyChange(c) || changed;
    } else {
      changed = this.applyChange(e);
    }
    this.applied++;
    if (e.position) this.position = e.position;
    if (e.timestamp) this.time = Date.parse(e.timestamp);
    return changed;
  }

  counts() {
    let entities = 0, players = 0, placed = 0;
    for (const m of this.markers.values()) {
      if (m.kind === 'player') players++;
      else entities++;
      if (m.placed) placed++;
    }
    return { entities, players, placed };
  }
}

/** The key of a change or event as the inspector names it: {table, id} for entities and player states. */
export function selectionOf(c) {
  if (c.table === 'entity_states') return { table: 'entity_states', id: c.entityId };
  if (c.table === 'player_states') return { table: 'player_states', id: c.playerId };
  return null;
}

/** A change's key for people: "entity door-1", "player p-1", "world state", "app a / p-1 / k". */
export function describeKey(c) {
  switch (c.table) {
    case 'entity_states': return `entity ${c.entityId}`;
    case 'player_states': return `player ${c.playerId}`;
    case 'world_state': return 'world state';
    case 'app_storage': return `app ${c.appId} / ${c.playerId === null || c.playerId === undefined ? '(world)' : c.playerId} / ${c.key}`;
    default: return c.table || '?';
  }
}

/** URL form of a selection: "entity:<id>" or "player:<id>". */
export function selectionToParam(sel) {
  return sel ? `${sel.table === 'player_states' ? 'player' : 'entity'}:${sel.id}` : null;
}

export function selectionFromParam(p) {
  if (!p) return null;
  const i = p.indexOf(':');
  if (i < 0) return null;
  const kind = p.slice(0, i);
  const id = p.slice(i + 1);
  if (!id) return null;
  if (kind === 'entity') return { table: 'entity_states', id };
  if (kind === 'player') return { table: 'player_states', id };
  return null;
}
