// Two nodes sharing one Kafka (the shared node's embedded broker and a second node joining it):
// read-your-writes behind a load balancer, and the change feed across a restart of its node.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorldStore, type ChangeEvent } from '@worldstore/client';
import { splitProxy } from './helpers/proxy.js';
import { freePort, releaseShared, removeData, sharedNode, startNode, uniqueWorld, waitFor, type RunningNode, type SharedNode } from './helpers/server.js';

let a: SharedNode;
let b: RunningNode;
before(async () => {
  a = await sharedNode();
  b = await startNode({ bootstrap: a.kafka, keysFile: a.keysFile, httpPort: await freePort() });
});
after(async () => {
  await b?.stop();
  if (b) await removeData(b);
  await releaseShared();
});

describe('two nodes, one Kafka', () => {
  test('read-your-writes across nodes: writes on node A, reads on node B see them every time', async () => {
    const proxy = await splitProxy(a.url, b.url);
    try {
      const store = new WorldStore({ url: proxy.url, apiKey: a.apiKey });
      const world = store.world(uniqueWorld('ryw'));
      for (let i = 1; i <= 30; i++) {
        const saved = await world.savePlayerState('p', { n: i });
        assert.deepEqual(await world.loadPlayerState('p'), { n: i });
        const read = proxy.log.at(-1)!;
        assert.equal(read.target, 'reads');
        assert.equal(read.position, saved.position, 'the read carried the write position');
      }
      const batch = await world.batch().saveEntity({ id: 'e1', n: 1 }).saveWorldState({ tick: 1 }).commit();
      assert.deepEqual(await world.readMany([{ table: 'entity_states', entityId: 'e1' }, { table: 'world_state' }]), [
        { value: { id: 'e1', n: 1 }, version: batch.version },
        { value: { tick: 1 }, version: batch.version },
      ]);
      assert.equal(proxy.log.at(-1)!.position, batch.position);
      // a world this client never wrote is read without a position
      await world.read({ table: 'world_state' });
      await store.world(uniqueWorld('other')).loadWorldState();
      assert.equal(proxy.log.at(-1)!.position, undefined);
    } finally {
      await proxy.close();
    }
  });

  test("subscribe delivers another client's changes in order, one at a time, and resumes across a restart of its node without gap or duplicate", async () => {
    const worldId = uniqueWorld('feed');
    const writer = new WorldStore({ url: a.url, apiKey: a.apiKey }).world(worldId);
    const reader = new WorldStore({ url: b.url, apiKey: a.apiKey, retry: { maxRetries: 0 } }).world(worldId);
    const written: string[] = [];
    const received: ChangeEvent[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let reconnects = 0;
    const sub = reader.subscribe(
      async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r)); // an async handler: the next event waits for it
        received.push(event);
        inFlight--;
      },
      { reconnect: { initialDelayMs: 50, maxDelayMs: 300 }, onReconnect: () => reconnects++ },
    );
    await sub.ready;
    const write = async (i: number) => {
      const saved =
        i % 10 === 9
          ? await writer.batch().savePlayerState('p1', { i }).saveEntity({ id: `e${i}` }).commit()
          : i % 5 === 4
            ? await writer.patchPlayerState('p1', { i })
            : await writer.savePlayerState('p1', { i });
      written.push(saved.position);
    };
    let i = 0;
    for (; i < 20; i++) await write(i);
    await waitFor(() => received.length === 20, 60_000, '20 events before the restart');

    await b.stop('SIGKILL'); // mid-stream: the feed's connection dies with its node
    for (; i < 40; i++) await write(i); // written while the subscriber's node is down
    b = await startNode({ ...b.settings, dataDir: b.dataDir }); // same port, same data
    for (; i < 60; i++) await write(i);
    await waitFor(() => received.length >= 60, 90_000, 'all 60 events after the restart');
    await sub.unsubscribe();

    assert.deepEqual(received.map((e) => e.position), written, 'every change once, in log order');
    assert.equal(maxInFlight, 1, 'one handler call at a time');
    assert.ok(reconnects >= 1, 'the feed reconnected');
    assert.equal(sub.position, written.at(-1));
    const batch = received[9]!;
    assert.equal(batch.op, 'batch');
    if (batch.op === 'batch') assert.deepEqual(batch.changes.map((c) => c.table), ['player_states', 'entity_states']);
    const patch = received[4]!;
    assert.equal(patch.op, 'merge-patch');

    // resume from a position with the iterator API: exactly what followed it
    const rest: string[] = [];
    for await (const event of reader.changes({ from: written[29] })) {
      rest.push(event.position);
      if (rest.length === 30) break;
    }
    assert.deepEqual(rest, written.slice(30));
  });
});

describe('a node whose partitions hold no record yet', () => {
  test('a live feed started on an empty partition (ready id p-start) delivers the first changes, and resumes after p-start', async () => {
    const fresh = await startNode();
    try {
      const store = new WorldStore({ url: fresh.url, apiKey: fresh.apiKey! });
      const world = store.world(uniqueWorld('empty'));
      const received: string[] = [];
      const sub = world.subscribe((event) => {
        received.push(event.position);
      });
      const start = await sub.ready;
      assert.match(start ?? '', /^\d+-start$/, 'the ready event names the point before the partition\'s first record');
      assert.equal(sub.position, start, 'before its first event a subscription resumes from where it started');
      const written: string[] = [];
      for (let i = 0; i < 3; i++) written.push((await world.savePlayerState('p', { i })).position);
      await waitFor(() => received.length >= 3, 30_000, 'the first three changes of the partition');
      await sub.unsubscribe();
      assert.deepEqual(received, written);
      assert.match(written[0]!, /^\d+-0$/, "the world's changes are its partition's first records");

      const replayed: string[] = [];
      for await (const event of world.changes({ from: start })) {
        replayed.push(event.position);
        if (replayed.length === 3) break;
      }
      assert.deepEqual(replayed, written);

      // the ready id reads back as a point in history: before every change
      const before = await world.snapshot({ asOf: start! });
      assert.deepEqual(before.players, [], 'a snapshot as of the partition\'s start holds nothing');
      assert.equal(await world.read({ table: 'player_states', playerId: 'p' }, { asOf: start! }), null);
    } finally {
      await fresh.stop();
      await removeData(fresh);
    }
  });
});
