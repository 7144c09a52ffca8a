// Idempotency keys and "nothing was there": every write carries a key the client generates (or
// the caller gives), so the client's own retries after a lost answer or a 503 OUTCOME_UNKNOWN never
// apply a write twice; a delete of nothing resolves null. Against the real node, through a real
// proxy that loses answers after the node applied the write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorldStore, WorldStoreError, WorldStoreNetworkError, type WorldPersistence } from '@worldstore/client';
import { faultyProxy, type Fault } from './helpers/faulty.js';
import { releaseShared, sharedNode, uniqueWorld, type SharedNode } from './helpers/server.js';

let node: SharedNode;
let store: WorldStore;
before(async () => {
  node = await sharedNode();
  store = new WorldStore({ url: node.url, apiKey: node.apiKey });
});
after(releaseShared);

const UUID = /^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$/;

async function historyLength(w: WorldPersistence, key: Parameters<WorldPersistence['historyPage']>[0]): Promise<number> {
  return (await w.historyPage(key, { limit: 100 })).items.length;
}

/** A client through a proxy that applies `faults` to the requests, in order (then passes). */
async function through(faults: Fault[], retries = 3) {
  const proxy = await faultyProxy(node.url, (n) => faults[n] ?? 'pass');
  const client = new WorldStore({ url: proxy.url, apiKey: node.apiKey, retry: { maxRetries: retries, initialDelayMs: 10 } });
  return { proxy, client };
}

describe('deletes of nothing and patches that change nothing', () => {
  test('a delete of a key that holds nothing resolves null and records nothing', async () => {
    // given: a world with one entity
    const w = store.world(uniqueWorld('del'));
    await w.saveEntity({ id: 'door', open: false });
    // when: deleting what is not there, and what is
    assert.equal(await w.deleteEntity('never'), null);
    assert.equal(await w.deletePlayerState('nobody'), null);
    assert.equal(await w.deleteAppData('app', null, 'nothing'), null);
    const deleted = await w.deleteEntity('door');
    // then: the real delete answers a version; deleting it again resolves null; no history for nothing
    assert.ok(deleted !== null && typeof deleted.version === 'number');
    assert.equal(deleted.replayed, false);
    assert.equal(await w.deleteEntity('door'), null);
    assert.equal(await historyLength(w, { table: 'entity_states', entityId: 'never' }), 0);
    assert.equal(await historyLength(w, { table: 'entity_states', entityId: 'door' }), 2);
  });

  test('a merge patch that changes nothing keeps the version and records nothing', async () => {
    const w = store.world(uniqueWorld('patch'));
    const saved = await w.savePlayerState('p1', { hp: 10, pos: [1, 2, 3] });
    const same = await w.patchPlayerState('p1', { hp: 10 });
    assert.equal(same.version, saved.version);
    assert.equal(await historyLength(w, { table: 'player_states', playerId: 'p1' }), 1);
  });
});

describe('idempotency keys', () => {
  test('a write sent twice with one key applies once; the second answer is the first, replayed', async () => {
    const w = store.world(uniqueWorld('key'));
    const first = await w.savePlayerState('p1', { hp: 1 }, { idempotencyKey: 'save-p1-1' });
    const again = await w.savePlayerState('p1', { hp: 1 }, { idempotencyKey: 'save-p1-1' });
    assert.equal(first.replayed, false);
    assert.equal(again.replayed, true);
    assert.equal(again.version, first.version);
    assert.equal(again.position, first.position);
    assert.equal(await historyLength(w, { table: 'player_states', playerId: 'p1' }), 1);
    // a batch with a key of its own, twice
    const b1 = await w.batch().saveEntity({ id: 'a' }).saveEntity({ id: 'b' }).commit({ idempotencyKey: 'tick-1' });
    const b2 = await w.batch().saveEntity({ id: 'a' }).saveEntity({ id: 'b' }).commit({ idempotencyKey: 'tick-1' });
    assert.equal(b1.replayed, false);
    assert.equal(b2.replayed, true);
    assert.equal(b2.position, b1.position);
  });

  test('a key reused for another write is IDEMPOTENCY_KEY_REUSED, and a bad key is a TypeError before sending', async () => {
    const w = store.world(uniqueWorld('reuse'));
    await w.saveWorldState({ a: 1 }, { idempotencyKey: 'k-1' });
    const e = await w.saveWorldState({ a: 2 }, { idempotencyKey: 'k-1' }).then(() => assert.fail('resolved'), (x) => x);
    assert.ok(e instanceof WorldStoreError, String(e));
    assert.equal(e.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(e.status, 422);
    assert.deepEqual(await w.loadWorldState(), { a: 1 });
    await assert.rejects(w.saveWorldState({ a: 3 }, { idempotencyKey: 'é' }), TypeError);
    await assert.rejects(w.saveWorldState({ a: 3 }, { idempotencyKey: '' }), TypeError);
  });

  test('an answer lost after the node applied a write: the automatic retry carries the same generated key and applies nothing twice', async () => {
    // given: a proxy that drops the connection after the node answered the first request
    const { proxy, client } = await through(['reset']);
    try {
      const w = client.world(uniqueWorld('lost'));
      // when: an unconditional save (no key given)
      const saved = await w.savePlayerState('p1', { gold: 100 });
      // then: two attempts with one UUID key; the node applied one; the answer says replayed
      assert.equal(proxy.seen.length, 2);
      assert.match(proxy.seen[0]!.idempotencyKey ?? '', UUID);
      assert.equal(proxy.seen[1]!.idempotencyKey, proxy.seen[0]!.idempotencyKey);
      assert.equal(proxy.seen[0]!.status, 200);
      assert.equal(saved.replayed, true);
      assert.equal(await historyLength(store.world(w.worldId), { table: 'player_states', playerId: 'p1' }), 1);
      // a patch and a delete are keyed and retried the same way
      await w.patchPlayerState('p1', { gold: 50 });
      assert.notEqual(proxy.seen[2]!.idempotencyKey, proxy.seen[0]!.idempotencyKey, 'a fresh key per call');
    } finally {
      await proxy.close();
    }
  });

  test('503 OUTCOME_UNKNOWN: the batch is retried with its key and applied once; without retries the key is on the error', async () => {
    const { proxy, client } = await through(['outcome-unknown']);
    try {
      const w = client.world(uniqueWorld('unknown'));
      const saved = await w.batch().saveEntity({ id: 'x', n: 1 }).saveEntity({ id: 'y', n: 2 }).commit();
      assert.equal(proxy.seen.length, 2);
      assert.equal(proxy.seen[1]!.idempotencyKey, proxy.seen[0]!.idempotencyKey);
      assert.equal(saved.replayed, true);
      assert.equal(await historyLength(store.world(w.worldId), { table: 'entity_states', entityId: 'x' }), 1);
    } finally {
      await proxy.close();
    }
    // when the client may not retry, the error says what happened and how to retry safely
    const { proxy: p2, client: once } = await through(['outcome-unknown'], 0);
    try {
      const w = once.world(uniqueWorld('unknown-once'));
      const e = await w.saveEntity({ id: 'z', n: 1 }, { idempotencyKey: 'z-1' }).then(() => assert.fail('resolved'), (x) => x);
      assert.ok(e instanceof WorldStoreError && e.isOutcomeUnknown, String(e));
      assert.equal(e.idempotencyKey, 'z-1');
      const retried = await w.saveEntity({ id: 'z', n: 1 }, { idempotencyKey: e.idempotencyKey });
      assert.equal(retried.replayed, true);
    } finally {
      await p2.close();
    }
  });

  test('idempotencyKey: false sends no key, and a write whose answer was lost is then not retried', async () => {
    const { proxy, client } = await through(['reset']);
    try {
      const w = client.world(uniqueWorld('nokey'));
      const e = await w.saveWorldState({ a: 1 }, { idempotencyKey: false }).then(() => assert.fail('resolved'), (x) => x);
      assert.ok(e instanceof WorldStoreNetworkError, String(e));
      assert.equal(e.maybeSent, true);
      assert.equal(proxy.seen.length, 1);
      assert.equal(proxy.seen[0]!.idempotencyKey, undefined);
    } finally {
      await proxy.close();
    }
  });
});
