#!/usr/bin/env node
// A Hyperfy-shaped world server on worldstore, in one file.
//
// What a Hyperfy server does with its world, with worldstore as the persistence:
//   - at start, load the world's entities and blueprints (as `import-hyperfy` put them: entities in
//     entity_states, blueprints in the world-wide storage of app "hyperfy") and the world's settings;
//   - simulate a few players: each resumes where it was last saved (upstream Hyperfy never persists a
//     player's position or state: its users lose their inventory on a restart), walks, picks up coins;
//   - every tick, flush what changed (the players' states and the entities this server moved) as ONE
//     world transaction: all of the tick lands, at one log position, in one HTTP request;
//   - apply the other servers' accepted changes from the world's change feed, so several copies of this
//     program, on several worldstore nodes, share one world.
//
//   node server.mjs --url=http://127.0.0.1:8081 --api-key=$KEY --world=hyperfy-demo --name=a [--players=3]
//                   [--tick-ms=250] [--seconds=N]
//
// It prints one line per second, and a JSON summary line when it stops (after --seconds, or on Ctrl-C).
import { WorldStore, WorldStoreError } from '@worldstore/client';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (options are --name=value)`);
    return [m[1], m[2] ?? 'true'];
  }),
);
const url = args.url ?? 'http://127.0.0.1:8080';
const apiKey = args['api-key'] ?? process.env.WORLDSTORE_API_KEY;
const worldId = args.world ?? 'hyperfy-demo';
const name = args.name ?? 'a';
const playerCount = Number(args.players ?? 3);
const tickMs = Number(args['tick-ms'] ?? 250);
const seconds = args.seconds === undefined ? Infinity : Number(args.seconds);

const store = new WorldStore({ url, apiKey });
const world = store.world(worldId);
const log = (line) => console.log(`[${name}] ${line}`);

// ---- load the world -------------------------------------------------------------------------------

const entities = new Map(); // id -> entity data, as Hyperfy holds them
for await (const e of world.entities({ pageSize: 1000 })) entities.set(e.id, e);
const blueprints = new Map();
for (const { key, value } of await world.listAppData('hyperfy', null, { prefix: 'blueprints/' })) {
  blueprints.set(key.slice('blueprints/'.length), value);
}
const settings = (await world.loadWorldState())?.metadata ?? {};
const spawn = settings.spawn?.position ?? [0, 0, 0];
log(`world ${worldId} on ${url}: ${entities.size} entities, ${blueprints.size} blueprints` +
  (settings.settings?.title ? `, "${settings.settings.title}"` : '') + `, spawn [${spawn.join(', ')}]`);

// ---- players: resume where they were ----------------------------------------------------------------

const players = new Map(); // id -> player state
for (let i = 1; i <= playerCount; i++) {
  const id = `${name}-p${i}`;
  try {
    await store.registerPlayer(id, { id });
  } catch (e) {
    if (!(e instanceof WorldStoreError && (e.code === 'ALREADY_EXISTS' || e.code === 'USERNAME_TAKEN'))) throw e;
  }
  const saved = await world.loadPlayerState(id);
  const state = saved ?? { id, position: [...spawn], quaternion: [0, 0, 0, 1], state: { coins: 0, steps: 0, inventory: [] } };
  players.set(id, state);
  log(saved ? `player ${id} resumes at [${saved.position.map(round).join(', ')}] with ${saved.state.coins} coins`
    : `player ${id} joins for the first time at the spawn`);
}

// ---- the other servers' changes, from the feed --------------------------------------------------------

const ours = new Set(); // positions of our own batches: the feed delivers them too (usually after commit() returned)
let applied = 0;
let lastApplied = '';
function apply(change) {
  if (change.table !== 'entity_states') return; // players are each server's own; world state is read at start
  const id = change.entityId;
  // our own batch can arrive before its commit() returned: the value we already hold is no news
  if (change.op === 'put' && JSON.stringify(entities.get(id)) === JSON.stringify(change.value)) return;
  if (change.op === 'delete') entities.delete(id);
  else if (change.op === 'put') entities.set(id, change.value);
  else if (change.op === 'merge-patch') entities.set(id, { ...entities.get(id), ...change.patch });
  applied++;
  lastApplied = `entity ${id}`;
}
const feed = world.subscribe(
  (event) => {
    if (ours.has(event.position)) return;
    if (event.op === 'batch') event.changes.forEach(apply);
    else apply(event);
  },
  { onError: (e) => log(`feed: ${e.message} (reconnecting)`) },
);
await feed.ready;

// ---- the tick: simulate, then flush what changed as one batch -------------------------------------------

const mine = [...entities.keys()].filter((_, i) => i % 7 === name.charCodeAt(0) % 7).slice(0, 20); // entities this server moves
const dirtyEntities = new Set();
let tick = 0;
let batches = 0;
let changesSaved = 0;
let lastPosition = '';
let flushing = Promise.resolve();

function simulate() {
  for (const p of players.values()) {
    const angle = Math.random() * Math.PI * 2;
    p.position = [p.position[0] + Math.cos(angle), p.position[1], p.position[2] + Math.sin(angle)].map(round);
    p.quaternion = [0, round(Math.sin(angle / 2)), 0, round(Math.cos(angle / 2))];
    p.state.steps++;
    if (Math.random() < 0.3) p.state.coins++;
    if (p.state.steps % 10 === 0) p.state.inventory = [...p.state.inventory.slice(-4), { item: 'gem', tick }];
  }
  if (mine.length > 0) {
    const id = mine[tick % mine.length];
    const e = entities.get(id);
    if (e && Array.isArray(e.position)) {
      entities.set(id, { ...e, position: [round(e.position[0] + 0.5), e.position[1], e.position[2]] });
      dirtyEntities.add(id);
    }
  }
}

async function flush() {
  const batch = world.batch();
  for (const [id, p] of players) batch.savePlayerState(id, p);
  for (const id of dirtyEntities) batch.saveEntity(entities.get(id));
  const size = batch.size;
  dirtyEntities.clear();
  // one request; the client sends it with an idempotency key, so a retry after a lost answer applies once
  const saved = await batch.commit();
  ours.add(saved.position);
  batches++;
  changesSaved += size;
  lastPosition = saved.position;
}

const started = Date.now();
let lastReport = started;
const timer = setInterval(() => {
  tick++;
  simulate();
  flushing = flushing.then(flush).catch((e) => log(`flush failed: ${e.message}`));
  if (Date.now() - lastReport >= 1000) {
    lastReport = Date.now();
    log(`tick ${tick}: ${batches} batches (${changesSaved} changes, last at ${lastPosition}); ` +
      `applied ${applied} changes of other servers${lastApplied ? ` (last: ${lastApplied})` : ''}`);
  }
  if ((Date.now() - started) / 1000 >= seconds) stop();
}, tickMs);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await flushing;
  await flush(); // the last positions: the next start resumes exactly here
  feed.unsubscribe();
  const summary = {
    server: name, world: worldId, ticks: tick, batches, changes: changesSaved, applied,
    players: Object.fromEntries([...players].map(([id, p]) => [id, { position: p.position, coins: p.state.coins, steps: p.state.steps }])),
  };
  log(`stopped: ${batches} batches, ${changesSaved} changes saved, ${applied} changes of other servers applied`);
  console.log(`summary ${JSON.stringify(summary)}`);
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

function round(x) {
  return Math.round(x * 1000) / 1000;
}
