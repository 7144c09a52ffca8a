// The persistence guide's examples (../shared/SEED-persistence-guide.md, "Usage Examples" and
// "Migration from Specific Tables"), pasted as they are. Added: the import line, the guide's
// `persistence`/`playerId`/`entity` (which the guide assumes exist), braces around each example
// (two of them declare `const state`), and, in the UGC example, `{ ... }` written as a comment
// `{ /* ... */ }` so that it parses. The old-way `db.insert(playerInventory)` line of the migration
// example is left out: it is the SQL schema this client replaces. guide.test.ts runs this file
// against a real server and checks what it prints and stores.
import { WorldStore } from '@worldstore/client';

const store = new WorldStore({ url: process.env['WORLDSTORE_URL']!, apiKey: process.env['WORLDSTORE_API_KEY'] });
const persistence = store.world(process.env['WORLDSTORE_WORLD'] ?? 'world-1');
const playerId = process.env['WORLDSTORE_PLAYER'] ?? 'player-1';
// A Hyperfy entity: its data (with Hyperfy's position/quaternion arrays) and serialize()
class Entity {
  constructor(public data: { id: string; [key: string]: unknown }) {}
  serialize() {
    return { ...this.data };
  }
}
const entity = new Entity({
  id: 'door-1',
  type: 'app',
  position: [1, 2, 3],
  quaternion: [0, 0, 0, 1],
  scale: [1, 1, 1],
  components: { rigidbody: { mass: 2 } },
  metadata: { type: 'door', name: 'Front door' },
});

// ---- Saving Player State ----
{
// Save player position and custom RPG data
await persistence.savePlayerState(playerId, {
  position: { x: 100, y: 50, z: 200 },
  rotation: { x: 0, y: 1.5, z: 0, w: 1 },
  // Any custom data can go in the state
  health: 100,
  mana: 50,
  inventory: [
    { itemId: 'sword', quantity: 1 },
    { itemId: 'potion', quantity: 5 }
  ],
  skills: {
    combat: { level: 10, xp: 1500 },
    magic: { level: 5, xp: 250 }
  }
});

// Load player state
const state = await persistence.loadPlayerState(playerId);
if (state) {
  console.log('Position:', state.position);
  console.log('Health:', state.health);
  console.log('Inventory:', state.inventory);
}
}

// ---- Saving Entity State ----
{
// Entities are automatically serialized with all their components
await persistence.saveEntity(entity);

// Load all entities for a world
const entities = await persistence.loadEntities();
console.log('Entities:', JSON.stringify(entities));
}

// ---- World State Storage ----
{
// Save world state
await persistence.saveWorldState({
  time: 'day',
  weather: 'sunny',
  npcs: [
    { id: 'merchant', position: {x: 0, y: 0, z: 0} }
  ],
  quests: {
    'main_quest': { stage: 3, completed: false }
  }
});
}

// ---- UGC App Storage ----
{
// Save app-specific data for a player
await persistence.saveAppData('my-rpg-app', playerId, 'character', {
  class: 'warrior',
  level: 25,
  equipment: { /* ... */ }
});

// Save world-wide app data
await persistence.saveAppData('my-rpg-app', null, 'settings', {
  difficulty: 'hard',
  pvpEnabled: true
});
}

// ---- Migration from Specific Tables ----
{
// New way (generalized)
const state = await persistence.loadPlayerState(playerId) || {};
state.inventory = state.inventory || [];
state.inventory[0] = { itemId: 123, quantity: 1 };
await persistence.savePlayerState(playerId, state);
}
