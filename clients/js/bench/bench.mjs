#!/usr/bin/env node
// `npm run bench`: the client against raw fetch on the same routes, side by side in one run.
//
// Starts a local worldstore node from the jar (auth on, its own data dir), unless --url= and
// --api-key= name a running one. For each measurement, raw fetch and the client alternate in
// rounds (raw, client, raw, client) on the same keys, and their latencies are pooled per
// contender. Raw fetch sends exactly what the client sends (same headers, including the client's
// X-Worldstore-Position on reads, same JSON), so the difference is the client's own cost.
// The server shares the machine, so wall-clock numbers carry its noise; the Node process's own
// CPU time per operation (process.cpuUsage) is what the client adds, and is reported beside them.
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { WorldStore } from '../dist/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const scale = Number(args.scale ?? 1);

let node;
let url = args.url;
let apiKey = args['api-key'];
if (!url) {
  const { freePort, startNode, removeData } = await import('../.build/test/helpers/server.js');
  node = await startNode({ kafkaPort: await freePort(), jvm: ['-Xmx1g'] });
  node.cleanup = () => removeData(node);
  url = node.url;
  apiKey = node.apiKey;
}

const worldId = `bench-${Date.now().toString(36)}`;
const store = new WorldStore({ url, apiKey });
const world = store.world(worldId);
const auth = { authorization: `Bearer ${apiKey}` };
const base = `${url}/v1/worlds/${worldId}`;

// a 1,024-byte player state
function playerState(i) {
  const s = { position: { x: i, y: 1, z: 2 }, rotation: { x: 0, y: 0, z: 0, w: 1 }, health: 100, mana: 50, inventory: [], pad: '' };
  for (let k = 0; k < 12; k++) s.inventory.push({ itemId: `item-${k}`, quantity: k });
  s.pad = 'x'.repeat(Math.max(0, 1024 - JSON.stringify(s).length));
  return s;
}
const STATE = playerState(1);
const PLAYERS = 1000;
const entity = (tick, i) => ({ id: `e-${i}`, type: 'app', position: [i, tick, 0], quaternion: [0, 0, 0, 1], scale: [1, 1, 1], metadata: { type: 'tree', name: `tree ${i}` }, components: { hp: 10 } });

async function rawOk(res) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return text.length ? JSON.parse(text) : undefined;
}

const ops = {
  save: {
    client: (i) => world.savePlayerState(`p-${i % PLAYERS}`, STATE),
    raw: (i) => fetch(`${base}/players/p-${i % PLAYERS}/state`, { method: 'PUT', headers: { accept: 'application/json', ...auth, 'content-type': 'application/json' }, body: JSON.stringify(STATE) }).then(rawOk),
  },
  load: {
    client: (i) => world.loadPlayerState(`p-${i % PLAYERS}`),
    raw: (i) => {
      const position = store.positionOf(worldId);
      return fetch(`${base}/players/p-${i % PLAYERS}/state`, { headers: { accept: 'application/json', ...auth, ...(position ? { 'x-worldstore-position': position } : {}) } }).then(rawOk);
    },
  },
  batch: {
    client: (i) => {
      const b = world.batch();
      for (let e = 0; e < 100; e++) b.saveEntity(entity(i, e));
      return b.commit();
    },
    raw: (i) => {
      const changes = [];
      for (let e = 0; e < 100; e++) {
        const value = entity(i, e);
        changes.push({ op: 'put', table: 'entity_states', entityId: value.id, value });
      }
      return fetch(`${base}/batch`, { method: 'POST', headers: { accept: 'application/json', ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ changes }) }).then(rawOk);
    },
  },
};

async function run(fn, count, concurrency) {
  const latencies = new Float64Array(count);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t = performance.now();
        await fn(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { latencies: Array.from(latencies), seconds, cpuMicros: cpu.user + cpu.system };
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(rounds) {
  const all = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ops = all.length;
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  const cpu = rounds.reduce((a, r) => a + r.cpuMicros, 0) / ops;
  return { ops, throughput: ops / seconds, p50: pct(all, 50), p99: pct(all, 99), cpu };
}

const plan = [
  ['savePlayerState, sequential', 'save', Math.round(600 * scale), 1],
  ['loadPlayerState, sequential', 'load', Math.round(2000 * scale), 1],
  ['savePlayerState, 64 concurrent', 'save', Math.round(4000 * scale), 64],
  ['loadPlayerState, 64 concurrent', 'load', Math.round(8000 * scale), 64],
  ['batch of 100 entities, sequential', 'batch', Math.round(60 * scale), 1],
  ['batch of 100 entities, 64 concurrent', 'batch', Math.round(256 * scale), 64],
];

try {
  // every player exists before the loads; warm both paths (JIT on both sides)
  await run((i) => world.savePlayerState(`p-${i}`, STATE), PLAYERS, 32);
  for (const [, op, , concurrency] of plan) {
    await run(ops[op].raw, op === 'batch' ? 20 : 300, concurrency);
    await run(ops[op].client, op === 'batch' ? 20 : 300, concurrency);
  }
  const rows = [];
  for (const [name, op, count, concurrency] of plan) {
    const raw = [];
    const client = [];
    for (let round = 0; round < 2; round++) {
      raw.push(await run(ops[op].raw, count / 2, concurrency));
      client.push(await run(ops[op].client, count / 2, concurrency));
    }
    const r = summary(raw);
    const c = summary(client);
    rows.push({ name, r, c });
    process.stderr.write(`${name}: raw ${r.throughput.toFixed(0)}/s p50 ${r.p50.toFixed(2)} ms ${r.cpu.toFixed(0)} µs CPU, client ${c.throughput.toFixed(0)}/s p50 ${c.p50.toFixed(2)} ms ${c.cpu.toFixed(0)} µs CPU\n`);
  }
  const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`- command: \`npm run bench\` (clients/js), ${new Date().toISOString().slice(0, 10)}`);
  console.log(`- machine: ${cpus().length} cores (${cpu.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform} ${process.arch}; load average ${loadavg()[0].toFixed(2)} at the end`);
  console.log(`- server: ${node ? 'one local node started from the jar (embedded Kafka, auth on), same machine' : url}; 1,024-byte player states over ${PLAYERS} players; batches of 100 Hyperfy-shaped entities`);
  console.log('');
  console.log('| measurement | ops each | raw fetch /s | client /s | raw p50 | client p50 | raw p99 | client p99 | raw CPU/op | client CPU/op | client overhead (CPU) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, r, c } of rows) {
    const overhead = (c.cpu / r.cpu - 1) * 100;
    console.log(`| ${name} | ${c.ops} | ${r.throughput.toFixed(0)} | ${c.throughput.toFixed(0)} | ${fmt(r.p50)} | ${fmt(c.p50)} | ${fmt(r.p99)} | ${fmt(c.p99)} | ${r.cpu.toFixed(0)} µs | ${c.cpu.toFixed(0)} µs | ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% |`);
  }
} finally {
  if (node) {
    await node.stop();
    await node.cleanup();
  }
}
