// examples/hyperfy-server against the real node: two copies share one world for a few seconds;
// their saves are visible from a second client, each applies the other's changes from the feed,
// and a restarted copy resumes its players where they were saved.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorldStore } from '@worldstore/client';
import { releaseShared, sharedNode, uniqueWorld, type SharedNode } from './helpers/server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url)); // the repository
const example = `${root}examples/hyperfy-server`;

let node: SharedNode;
before(async () => {
  node = await sharedNode();
  // what `npm install` in the example does with its file: dependency, without the network
  const link = `${example}/node_modules/@worldstore/client`;
  if (!existsSync(link)) {
    mkdirSync(`${example}/node_modules/@worldstore`, { recursive: true });
    symlinkSync(`${root}clients/js`, link, 'dir');
  }
});
after(releaseShared);

interface Run {
  code: number | null;
  out: string;
  summary: { ticks: number; batches: number; changes: number; applied: number; players: Record<string, { position: number[]; coins: number; steps: number }> };
}

function run(name: string, worldId: string, seconds: number): Promise<Run> {
  const child = spawn(process.execPath, ['server.mjs', `--url=${node.url}`, `--world=${worldId}`, `--name=${name}`, '--players=2', '--tick-ms=100', `--seconds=${seconds}`], {
    cwd: example,
    env: { ...process.env, WORLDSTORE_API_KEY: node.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((ok) =>
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('summary '));
      ok({ code, out, summary: line ? JSON.parse(line.slice('summary '.length)) : undefined! });
    }),
  );
}

test('two Hyperfy-shaped servers share a world: saves visible to a second client, each applies the other, players resume', async () => {
  // given: a world as import-hyperfy leaves one (entities with Hyperfy arrays, blueprints, settings)
  const worldId = uniqueWorld('hyperfy');
  const client = new WorldStore({ url: node.url, apiKey: node.apiKey });
  const world = client.world(worldId);
  const seed = world.batch();
  for (let i = 0; i < 40; i++) {
    seed.saveEntity({ id: `e${String(i).padStart(3, '0')}`, type: 'app', blueprint: 'bp1', position: [i, 0, 0], quaternion: [0, 0, 0, 1], scale: [1, 1, 1] });
  }
  seed.saveAppData('hyperfy', null, 'blueprints/bp1', { id: 'bp1', name: 'Crate', version: 0 });
  seed.saveWorldState({ metadata: { format: 'hyperfy', version: 15, settings: { title: 'Test World' }, spawn: { position: [1, 0, 2], quaternion: [0, 0, 0, 1] } } });
  await seed.commit();

  // when: two servers run side by side for three seconds
  const [a, b] = await Promise.all([run('a', worldId, 3), run('b', worldId, 3)]);

  // then: both stopped cleanly, saved a batch per tick, and applied the other's entity moves
  for (const r of [a, b]) {
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /40 entities, 1 blueprints, "Test World", spawn \[1, 0, 2\]/);
    assert.ok(r.summary.batches >= 10, r.out);
    assert.ok(r.summary.applied > 0, `applied nothing of the other server:\n${r.out}`);
  }
  // and a second client sees every player where the server last saved it, and the entities it moved
  for (const r of [a, b]) {
    for (const [id, p] of Object.entries(r.summary.players)) {
      const saved = await world.loadPlayerState(id);
      assert.deepEqual(saved?.position, p.position, id);
      assert.equal(saved?.state.coins, p.coins, id);
    }
  }
  const moved = (await world.loadEntities()).filter((e) => e['position'][0] !== Number(String(e['id']).slice(1)));
  assert.ok(moved.length > 0, 'no entity moved');

  // when: server a starts again; then its players resume where they were
  const again = await run('a', worldId, 1);
  assert.equal(again.code, 0, again.out);
  const p1 = a.summary.players['a-p1']!;
  assert.ok(again.out.includes(`player a-p1 resumes at [${p1.position.join(', ')}] with ${p1.coins} coins`), again.out);
});
