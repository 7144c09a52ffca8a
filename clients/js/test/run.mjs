#!/usr/bin/env node
// `npm test`: starts one shared worldstore node from the built jar (a free port, its own data
// dir, auth on with a generated key, the embedded broker on a free port so a second node can
// join it), runs every compiled test file with `node --test` against it, and stops it.
// Tests that restart a node or need a second one start their own (test/helpers/server.ts).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, removeData, startNode } from '../.build/test/helpers/server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = `${root}.build/test`;
const files = readdirSync(testDir).filter((f) => f.endsWith('.test.js')).sort().map((f) => `${testDir}/${f}`);

const started = Date.now();
const kafkaPort = await freePort();
const node = await startNode({ kafkaPort, extra: ['--read.wait.timeout.ms=1000'] });
console.log(`worldstore test node at ${node.url} (broker 127.0.0.1:${kafkaPort}, data ${node.dataDir}) started in ${Date.now() - started} ms`);

let code = 1;
try {
  // a test that hangs fails after 5 minutes, and a file whose test failed with handles still open
  // (a feed, a child node) exits instead of keeping the build waiting (where this Node has the flags)
  const [major, minor] = process.versions.node.split('.').map(Number);
  const guards = major > 20 || (major === 20 && minor >= 14) ? ['--test-timeout=300000', '--test-force-exit'] : [];
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...guards, '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      WORLDSTORE_TEST_URL: node.url,
      WORLDSTORE_TEST_KEY: node.apiKey,
      WORLDSTORE_TEST_KAFKA: `127.0.0.1:${kafkaPort}`,
      WORLDSTORE_TEST_KEYS_FILE: node.keysFile,
    },
  });
  code = await new Promise((ok) => child.once('exit', (c, signal) => ok(c ?? (signal ? 1 : 0))));
} finally {
  await node.stop();
  if (code === 0) await removeData(node);
  else console.log(`kept the shared node's data and log in ${node.dataDir}`);
}
console.log(`npm test: ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
