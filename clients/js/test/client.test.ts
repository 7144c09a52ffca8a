// The client against a real server: round trips, errors as values, conditions, update() under
// contention, batches, consistent reads, history and time travel, aborts, timeouts and retries.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorldStore, WorldStoreError, WorldStoreNetworkError, WorldStoreTimeoutError, type WorldPersistence } from '@worldstore/client';
import { freePort, releaseShared, sharedNode, uniqueWorld, type SharedNode } from './helpers/server.js';

let node: SharedNode;
let store: WorldStore;
let world: WorldPersistence;
before(async () => {
  node = await sharedNode();
  store = new WorldStore({ url: node.url, apiKey: node.apiKey });
  world = store.world(uniqueWorld('client'));
});
after(releaseShared);

async function rejects<E extends Error>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${type.name}, but it resolved`);
}

describe('round trips', () => {
  test('custom player fields come back exactly as saved, at the top level', async () => {
    const state = {
      position: { x: 100.5, y: -50, z: 0.1 },
      rotation: { x: 0, y: 1.5, z: 0, w: 1 },
      health: 100,
      nested: { deep: { list: [1, 'two', null, true, { three: 3 }] } },
      unicode: 'héllo 🌍 "quoted" \n line',
      empty: {},
      zero: 0,
      big: 9007199254740991,
    };
    const saved = await world.savePlayerState('custom-1', state);
    assert.equal(typeof saved.version, 'number');
    assert.match(saved.position, /^\d+-\d+$/);
    assert.deepEqual(await world.loadPlayerState('custom-1'), state);
    assert.equal(await world.loadPlayerState('nobody'), null);
    const read = await world.read({ table: 'player_states', playerId: 'custom-1' });
    assert.deepEqual(read, { value: state, version: saved.version });
  });

  test('entities: plain objects, serialize() and data, Hyperfy arrays kept; paging; delete', async () => {
    const w = store.world(uniqueWorld('entities'));
    await w.saveEntity({ id: 'plain', position: [1, 2, 3], quaternion: [0, 0, 0, 1] });
    await w.saveEntity({ serialize: () => ({ id: 'serialized', type: 'app', position: [4, 5, 6] }) });
    await w.saveEntity({ data: { id: 'data-holder', scale: [1, 1, 1] } });
    assert.deepEqual(await w.loadEntity('plain'), { id: 'plain', position: [1, 2, 3], quaternion: [0, 0, 0, 1] });
    assert.deepEqual(await w.loadEntity('serialized'), { id: 'serialized', type: 'app', position: [4, 5, 6] });
    assert.deepEqual(await w.loadEntity('data-holder'), { id: 'data-holder', scale: [1, 1, 1] });
    await assert.rejects(w.saveEntity({ position: [1, 2, 3] } as never), TypeError);

    const b = w.batch();
    for (let i = 0; i < 250; i++) b.saveEntity({ id: `e-${String(i).padStart(3, '0')}`, metadata: { type: i % 2 ? 'tree' : 'rock' } });
    await b.commit();
    const all = await w.loadEntities();
    assert.equal(all.length, 253);
    let pages = 0;
    const ids: string[] = [];
    for await (const e of w.entities({ pageSize: 100 })) {
      ids.push(e['id']);
      pages++;
    }
    assert.equal(ids.length, 253);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal((await w.loadEntities({ type: 'tree' })).length, 125);
    await w.deleteEntity('plain');
    assert.equal(await w.loadEntity('plain'), null);
    assert.ok(pages > 0);
  });

  test('world state, merge patches, app data', async () => {
    const w = store.world(uniqueWorld('misc'));
    await w.saveWorldState({ time: 'day', weather: 'sunny', metadata: { version: 1 } });
    await w.patchWorldState({ weather: null, time: 'night' });
    assert.deepEqual(await w.loadWorldState(), { time: 'night', metadata: { version: 1 } });
    await w.savePlayerState('p', { position: { x: 1, y: 2, z: 3 }, inventory: ['sword'] });
    await w.patchPlayerState('p', { position: { x: 9, y: 9, z: 9 } });
    assert.deepEqual(await w.loadPlayerState('p'), { position: { x: 9, y: 9, z: 9 }, inventory: ['sword'] });
    await w.patchEntity('door', { open: true });
    assert.deepEqual(await w.loadEntity('door'), { open: true, id: 'door' });

    await w.saveAppData('rpg', 'p', 'character', { class: 'warrior' });
    await w.saveAppData('rpg', 'p', 'quests/main', { stage: 3 });
    await w.saveAppData('rpg', null, 'settings', { pvp: true });
    await w.saveAppData('other-app', null, 'settings', 'not rpg');
    assert.deepEqual(await w.loadAppData('rpg', 'p', 'quests/main'), { stage: 3 });
    const listed = await w.listAppData('rpg', 'p');
    assert.deepEqual(listed.map((i) => [i.key, i.value]), [['character', { class: 'warrior' }], ['quests/main', { stage: 3 }]]);
    assert.deepEqual((await w.listAppData('rpg', 'p', { prefix: 'quests/' })).map((i) => i.key), ['quests/main']);
    assert.deepEqual((await w.listAppData('rpg', null)).map((i) => i.value), [{ pvp: true }]);
    await w.deleteAppData('rpg', null, 'settings');
    assert.equal(await w.loadAppData('rpg', null, 'settings'), null);
    const data = await w.loadPlayerData('p');
    assert.deepEqual(data.state, { position: { x: 9, y: 9, z: 9 }, inventory: ['sword'] });
    assert.equal(data.apps.length, 2);
  });

  test('players: register, get, find; usernames unique case-insensitively', async () => {
    const name = `Alice-${Date.now()}`;
    const p = await world.registerPlayer(name);
    assert.equal(p.username, name);
    assert.deepEqual((await world.getPlayer(p.id))?.username, name);
    assert.equal((await store.findPlayer(name.toUpperCase()))?.id, p.id);
    assert.equal(await world.getPlayer('nobody-here'), null);
    const e = await rejects(store.registerPlayer(name.toLowerCase()), WorldStoreError);
    assert.equal(e.status, 409);
    assert.equal(e.code, 'USERNAME_TAKEN');
  });
});

describe('errors are values', () => {
  test('a stale ifVersion is a VERSION_CONFLICT with currentVersion; ifAbsent on an existing key is ALREADY_EXISTS', async () => {
    const first = await world.saveWorldState({ round: 1 });
    const second = await world.saveWorldState({ round: 2 }, { ifVersion: first.version });
    const e = await rejects(world.saveWorldState({ round: 3 }, { ifVersion: first.version }), WorldStoreError);
    assert.equal(e.status, 412);
    assert.equal(e.code, 'VERSION_CONFLICT');
    assert.equal(e.currentVersion, second.version);
    assert.equal(e.field, 'If-Match');
    assert.ok(e.isConflict);
    assert.equal(e.maybeApplied, false);
    const a = await rejects(world.savePlayerState('custom-1', {}, { ifAbsent: true }), WorldStoreError);
    assert.equal(a.code, 'ALREADY_EXISTS');
    assert.equal(typeof a.currentVersion, 'number');
    assert.deepEqual(await world.loadWorldState(), { round: 2 });
  });

  test('invalid shapes, ids and keys name the field', async () => {
    const e = await rejects(world.savePlayerState('p', { position: [1, 2] }), WorldStoreError);
    assert.equal(e.status, 422);
    assert.equal(e.code, 'INVALID_SHAPE');
    assert.equal(e.field, 'position');
    assert.match(e.detail, /3 finite numbers/);
    const id = await rejects(world.savePlayerState('bad id!', {}), WorldStoreError);
    assert.equal(id.code, 'INVALID_ID');
    const auth = await rejects(new WorldStore({ url: node.url, apiKey: 'wsk_wrong' }).world('x').loadWorldState(), WorldStoreError);
    assert.equal(auth.status, 401);
    assert.equal(auth.code, 'UNAUTHORIZED');
  });

  test('network failures are WorldStoreNetworkError; a refused write is retried, then reported as never sent', async () => {
    const port = await freePort();
    const down = new WorldStore({ url: `http://127.0.0.1:${port}`, apiKey: 'k', retry: { maxRetries: 2, initialDelayMs: 10 } });
    const read = await rejects(down.world('w').loadWorldState(), WorldStoreNetworkError);
    assert.equal(read.maybeSent, false);
    const write = await rejects(down.world('w').saveWorldState({ a: 1 }), WorldStoreNetworkError);
    assert.equal(write.maybeSent, false);
  });
});

describe('aborts, timeouts and retries', () => {
  // The shared node runs with read.wait.timeout.ms=1000: a read that requires a position no node
  // has reached waits 1 s on the server, then answers 503 PROJECTION_TIMEOUT with Retry-After: 1.
  const unreachable = '0-999999999999';

  test('an aborted call rejects promptly with the signal reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const call = world.loadPlayerState('custom-1', { position: unreachable, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(call, { name: 'AbortError' });
    assert.ok(Date.now() - started < 500, `rejected after ${Date.now() - started} ms`);
    // already aborted: rejects before sending
    await assert.rejects(world.loadWorldState({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  test('a call that outlives its timeout rejects with WorldStoreTimeoutError', async () => {
    const started = Date.now();
    const e = await rejects(world.loadPlayerState('custom-1', { position: unreachable, timeoutMs: 200 }), WorldStoreTimeoutError);
    assert.equal(e.timeoutMs, 200);
    assert.ok(Date.now() - started < 700, `rejected after ${Date.now() - started} ms`);
  });

  test('reads retry a 503 after Retry-After, then report it', async () => {
    const patient = new WorldStore({ url: node.url, apiKey: node.apiKey, retry: { maxRetries: 1 } });
    const started = Date.now();
    const e = await rejects(patient.world(world.worldId).loadPlayerState('custom-1', { position: unreachable }), WorldStoreError);
    assert.equal(e.status, 503);
    assert.equal(e.code, 'PROJECTION_TIMEOUT');
    assert.equal(e.retryAfterMs, 1000);
    // two attempts of 1 s each and the 1 s Retry-After between them
    assert.ok(Date.now() - started >= 2900, `gave up after ${Date.now() - started} ms`);
  });
});

describe('multi-server patterns', () => {
  test('update() under 8 concurrent updaters loses no increment', async () => {
    const key = { table: 'world_state' } as const;
    const w = uniqueWorld('counter');
    const updaters = Array.from({ length: 8 }, () => new WorldStore({ url: node.url, apiKey: node.apiKey }).world(w));
    const perUpdater = 10;
    const attempts = await Promise.all(
      updaters.map(async (u) => {
        let total = 0;
        for (let i = 0; i < perUpdater; i++) {
          const r = await u.update<{ count: number }>(key, (cur) => ({ count: (cur?.count ?? 0) + 1 }), { maxAttempts: 200 });
          total += r.attempts;
        }
        return total;
      }),
    );
    assert.deepEqual(await updaters[0]!.loadWorldState(), { count: 8 * perUpdater });
    const tries = attempts.reduce((a, b) => a + b, 0);
    assert.ok(tries > 8 * perUpdater, `expected conflicts between 8 updaters, got ${tries} attempts for ${8 * perUpdater} increments`);
  });

  test('a batch is applied whole and read back consistently', async () => {
    const w = store.world(uniqueWorld('batch'));
    const saved = await w
      .batch()
      .savePlayerState('alice', { inventory: [] })
      .savePlayerState('bob', { inventory: ['sword'] }, { ifAbsent: true })
      .patchWorldState({ lastTrade: 'alice->bob' })
      .saveAppData('my-rpg-app', 'alice', 'ledger', [1])
      .saveEntity({ id: 'chest', position: [0, 1, 0] })
      .commit();
    assert.match(saved.position, /^\d+-\d+$/);
    assert.equal(saved.items.length, 5);
    assert.ok(saved.items.every((i) => i.version === saved.version));
    const read = await w.readMany([
      { table: 'player_states', playerId: 'alice' },
      { table: 'player_states', playerId: 'bob' },
      { table: 'world_state' },
      { table: 'app_data', appId: 'my-rpg-app', playerId: 'alice', key: 'ledger' },
      { table: 'entity_states', entityId: 'chest' },
      { table: 'entity_states', entityId: 'missing' },
    ]);
    assert.deepEqual(read, [
      { value: { inventory: [] }, version: saved.version },
      { value: { inventory: ['sword'] }, version: saved.version },
      { value: { lastTrade: 'alice->bob' }, version: saved.version },
      { value: [1], version: saved.version },
      { value: { id: 'chest', position: [0, 1, 0] }, version: saved.version },
      null,
    ]);
  });

  test('a batch whose conditions fail is a BATCH_CONFLICT listing every failure, and nothing is applied', async () => {
    const w = store.world(uniqueWorld('batch'));
    const alice = await w.savePlayerState('alice', { gold: 10 });
    const bob = await w.savePlayerState('bob', { gold: 0 });
    await w.savePlayerState('bob', { gold: 5 }); // bob moved on
    const e = await rejects(
      w
        .batch()
        .savePlayerState('alice', { gold: 0 }, { ifVersion: alice.version })
        .savePlayerState('bob', { gold: 10 }, { ifVersion: bob.version })
        .savePlayerState('carol', { gold: 1 }, { ifAbsent: true })
        .saveEntity({ id: 'x' }, { ifAbsent: true })
        .commit(),
      WorldStoreError,
    );
    assert.equal(e.status, 409);
    assert.equal(e.code, 'BATCH_CONFLICT');
    assert.equal(e.field, 'changes[1]');
    assert.equal(e.failures?.length, 1);
    assert.equal(e.failures![0]!.index, 1);
    assert.equal(e.failures![0]!.playerId, 'bob');
    assert.equal(e.failures![0]!.expected, `version=${bob.version}`);
    assert.equal(typeof e.failures![0]!.currentVersion, 'number');
    assert.deepEqual(await w.readMany([{ table: 'player_states', playerId: 'alice' }, { table: 'player_states', playerId: 'carol' }]), [
      { value: { gold: 10 }, version: alice.version },
      null,
    ]);
  });

  test('history, asOf reads and snapshots', async () => {
    const w = store.world(uniqueWorld('history'));
    const key = { table: 'player_states', playerId: 'hero' } as const;
    const v1 = await w.savePlayerState('hero', { level: 1 });
    await w.saveEntity({ id: 'tree', position: [1, 1, 1] });
    const v2 = await w.patchPlayerState('hero', { level: 2 });
    const entries = [];
    for await (const entry of w.history(key, { withResult: true, pageSize: 1 })) entries.push(entry);
    assert.deepEqual(entries.map((e) => [e.version, e.op, e.change, e.result]), [
      [v2.version, 'merge-patch', { level: 2 }, { level: 2 }],
      [v1.version, 'put', { level: 1 }, { level: 1 }],
    ]);
    assert.deepEqual(await w.loadPlayerState('hero', { asOf: v1.position }), { level: 1 });
    assert.deepEqual(await w.read(key, { asOf: v1.position }), { value: { level: 1 }, version: v1.version });
    assert.equal(await w.loadEntity('tree', { asOf: v1.position }), null);
    const snap = await w.snapshot({ asOf: v1.position });
    assert.deepEqual(snap.players, [{ playerId: 'hero', state: { level: 1 } }]);
    assert.deepEqual(snap.entities, []);
    const now = await w.snapshot({ asOf: new Date(Date.now() + 60_000) });
    assert.deepEqual(now.entities, [{ id: 'tree', position: [1, 1, 1] }]);
    const audit = [];
    for await (const change of w.auditLog()) audit.push(change);
    assert.deepEqual(audit.map((c) => c.position), [v1.position, audit[1]!.position, v2.position]);
  });
});
