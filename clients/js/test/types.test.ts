// The checked-in types must be what openapi-typescript makes of the running server's /openapi.json.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorldStore } from '@worldstore/client';
import { releaseShared, sharedNode, type SharedNode } from './helpers/server.js';

let node: SharedNode;
before(async () => {
  node = await sharedNode();
});
after(releaseShared);

test("src/generated/openapi.ts is what the current server's /openapi.json produces (npm run generate)", async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const generator = `${root}scripts/generate-types.mjs`;
  const { generate } = (await import(generator)) as { generate(doc: unknown): Promise<string> };
  const document = await new WorldStore({ url: node.url, apiKey: node.apiKey }).openApi();
  const expected = await generate(document);
  const checkedIn = await readFile(`${root}src/generated/openapi.ts`, 'utf8');
  assert.ok(
    checkedIn === expected,
    'src/generated/openapi.ts differs from the server\'s /openapi.json: run `npm run generate` in clients/js and commit the result',
  );
});

test('src/generated/openapi.ts is what npm run generate makes of api/src/main/resources/openapi.json', async () => {
  // the repository's document, not the running jar's: a jar built before the document changed cannot hide drift
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { generate } = (await import(`${root}scripts/generate-types.mjs`)) as { generate(doc: unknown): Promise<string> };
  const source = JSON.parse(await readFile(`${root}../../api/src/main/resources/openapi.json`, 'utf8'));
  const checkedIn = await readFile(`${root}src/generated/openapi.ts`, 'utf8');
  assert.ok(checkedIn === (await generate(source)), 'src/generated/openapi.ts differs from api/src/main/resources/openapi.json: run `npm run generate` in clients/js and commit the result');
});
