// The guide's examples, run as written (test/guide/examples.ts) against a real server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WorldStore } from '@worldstore/client';
import { releaseShared, sharedNode, uniqueWorld, type SharedNode } from './helpers/server.js';

let node: SharedNode;
before(async () => {
  node = await sharedNode();
});
after(releaseShared);

test("the guide's examples run as written and print what the guide says", async () => {
  const world = uniqueWorld('guide');
  const script = fileURLToPath(new URL('./guide/examples.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    env: { ...process.env, WORLDSTORE_URL: node.url, WORLDSTORE_API_KEY: node.apiKey, WORLDSTORE_WORLD: world, WORLDSTORE_PLAYER: 'player-1' },
    timeout: 30_000,
  });
  const lines = stdout.split('\n');
  // "Loading player state": custom fields at the top level, exactly as saved
  assert.equal(lines[0], 'Position: { x: 100, y: 50, z: 200 }');
  assert.equal(lines[1], 'Health: 100');
  assert.equal(lines[2], "Inventory: [ { itemId: 'sword', quantity: 1 }, { itemId: 'potion', quantity: 5 } ]");
  // "Load all entities for a world": the serialized entity, Hyperfy arrays kept
  const entities = JSON.parse(lines[3]!.slice('Entities: '.length));
  assert.deepEqual(entities, [
    {
      id: 'door-1',
      type: 'app',
      position: [1, 2, 3],
      quaternion: [0, 0, 0, 1],
      scale: [1, 1, 1],
      components: { rigidbody: { mass: 2 } },
      metadata: { type: 'door', name: 'Front door' },
    },
  ]);

  // and what the examples stored
  const persistence = new WorldStore({ url: node.url, apiKey: node.apiKey }).world(world);
  assert.deepEqual(await persistence.loadWorldState(), {
    time: 'day',
    weather: 'sunny',
    npcs: [{ id: 'merchant', position: { x: 0, y: 0, z: 0 } }],
    quests: { main_quest: { stage: 3, completed: false } },
  });
  assert.deepEqual(await persistence.loadAppData('my-rpg-app', 'player-1', 'character'), { class: 'warrior', level: 25, equipment: {} });
  assert.deepEqual(await persistence.loadAppData('my-rpg-app', null, 'settings'), { difficulty: 'hard', pvpEnabled: true });
  // the migration example: slot 0 replaced, every other field kept
  assert.deepEqual(await persistence.loadPlayerState('player-1'), {
    position: { x: 100, y: 50, z: 200 },
    rotation: { x: 0, y: 1.5, z: 0, w: 1 },
    health: 100,
    mana: 50,
    inventory: [
      { itemId: 123, quantity: 1 },
      { itemId: 'potion', quantity: 5 },
    ],
    skills: { combat: { level: 10, xp: 1500 }, magic: { level: 5, xp: 250 } },
  });
});

test('the migration example made safe: update() re-reads and retries instead of overwriting', async () => {
  const persistence = new WorldStore({ url: node.url, apiKey: node.apiKey }).world(uniqueWorld('guide'));
  const playerId = 'player-2';
  await persistence.savePlayerState(playerId, { health: 100, inventory: [{ itemId: 'sword', quantity: 1 }] });
  const { value } = await persistence.update({ table: 'player_states', playerId }, (state) => {
    state = state || {};
    state.inventory = state.inventory || [];
    state.inventory[0] = { itemId: 123, quantity: 1 };
    return state;
  });
  assert.deepEqual(value, { health: 100, inventory: [{ itemId: 123, quantity: 1 }] });
  assert.deepEqual(await persistence.loadPlayerState(playerId), value);
});
