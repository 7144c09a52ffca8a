// Starts real worldstore nodes from the built jar for the tests: each with its own data dir and
// a free port, auth on. Nothing here mocks HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The server jar: $WORLDSTORE_JAR, else api/target/worldstore.jar of this repository. */
export function jarPath(): string {
  const jar = process.env['WORLDSTORE_JAR'] ?? resolve(here, '../../../../../api/target/worldstore.jar');
  if (!existsSync(jar)) throw new Error(`worldstore jar not found at ${jar}: build it (mvn -q -DskipTests package) or set WORLDSTORE_JAR`);
  return jar;
}

/** A free loopback port (bound, then released). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface NodeSettings {
  /** Start the embedded broker on this port (node 1 of a cluster). */
  kafkaPort?: number;
  /** Join this Kafka instead of starting a broker. */
  bootstrap?: string;
  /** Use this keys file (the first node's generated one) instead of generating a key. */
  keysFile?: string;
  /** Fixed HTTP port (to restart on the same address); default any free port. */
  httpPort?: number;
  /** Reuse a data dir (a restart). */
  dataDir?: string;
  /** Extra --key=value settings. */
  extra?: string[];
  /** JVM options (default: small heap, quick start). */
  jvm?: string[];
}

export interface RunningNode {
  url: string;
  port: number;
  /** The generated admin key (undefined when a keys file was given). */
  apiKey: string | undefined;
  dataDir: string;
  keysFile: string;
  settings: NodeSettings;
  process: ChildProcess;
  /** Stops the JVM (SIGTERM, or SIGKILL for a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts one node and resolves once it serves HTTP and its projector has caught up. */
export async function startNode(settings: NodeSettings = {}): Promise<RunningNode> {
  const dataDir = settings.dataDir ?? (await mkdtemp(join(tmpdir(), 'worldstore-js-')));
  const args = [
    ...(settings.jvm ?? ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    '-jar',
    jarPath(),
    'serve',
    `--data.dir=${dataDir}`,
    `--http.port=${settings.httpPort ?? 0}`,
    '--http.auth.enabled=true',
    '--rocksdb.block.cache.bytes=33554432',
    ...(settings.bootstrap ? [`--kafka.bootstrap.servers=${settings.bootstrap}`] : [`--kafka.embedded.port=${settings.kafkaPort ?? 0}`]),
    ...(settings.keysFile ? [`--http.auth.keys.file=${settings.keysFile}`] : []),
    ...(settings.extra ?? []),
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(dataDir, 'server.log'), { flags: 'a' });
  let apiKey: string | undefined;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const url = await new Promise<string>((ok, fail) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`worldstore did not start within 60 s; see ${dataDir}/server.log`)), 60_000);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      buffered += chunk.toString();
      const key = /generated the admin API key[^:]*: (wsk_\S+)/.exec(buffered);
      if (key) apiKey = key[1];
      const m = /HTTP API listening on (http:\/\/\S+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
      if (buffered.length > 1_000_000) buffered = buffered.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`worldstore exited with ${code} before serving; see ${dataDir}/server.log`));
    });
  });
  await waitFor(async () => (await fetch(`${url}/health/ready`)).ok, 60_000, 'the node to be ready');
  const node: RunningNode = {
    url,
    port: Number(new URL(url).port),
    apiKey,
    dataDir,
    keysFile: settings.keysFile ?? join(dataDir, 'api-keys.json'),
    settings,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      log.end();
    },
  };
  return node;
}

/** Removes a node's data dir (after stopping it). */
export async function removeData(node: RunningNode): Promise<void> {
  await rm(node.dataDir, { recursive: true, force: true });
}

/** Polls `condition` every 20 ms until it is true; fails after `timeoutMs`. Errors thrown by `condition` count as false. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The suite's shared node: the one test/run.mjs started (WORLDSTORE_TEST_URL, _KEY, _KAFKA,
 * _KEYS_FILE), or, when a test file runs alone, one started for this process and stopped at exit.
 */
export interface SharedNode {
  url: string;
  apiKey: string;
  /** bootstrap servers of its embedded broker, for a second node */
  kafka: string;
  keysFile: string;
}

let shared: Promise<SharedNode> | undefined;
let owned: RunningNode | undefined;

export function sharedNode(): Promise<SharedNode> {
  if (!shared) {
    const env = process.env;
    if (env['WORLDSTORE_TEST_URL'] && env['WORLDSTORE_TEST_KEY']) {
      shared = Promise.resolve({
        url: env['WORLDSTORE_TEST_URL'],
        apiKey: env['WORLDSTORE_TEST_KEY'],
        kafka: env['WORLDSTORE_TEST_KAFKA'] ?? '',
        keysFile: env['WORLDSTORE_TEST_KEYS_FILE'] ?? '',
      });
    } else {
      shared = (async () => {
        const kafkaPort = await freePort();
        const node = await startNode({ kafkaPort, extra: ['--read.wait.timeout.ms=1000'] });
        owned = node;
        process.once('exit', () => node.process.kill('SIGKILL'));
        return { url: node.url, apiKey: node.apiKey!, kafka: `127.0.0.1:${kafkaPort}`, keysFile: node.keysFile };
      })();
    }
  }
  return shared;
}

/** Stops the shared node if this process started it (call from each file's top-level `after`). */
export async function releaseShared(): Promise<void> {
  const node = owned;
  owned = undefined;
  shared = undefined;
  if (node) {
    await node.stop();
    await removeData(node);
  }
}

/** A world id no other test uses. */
export function uniqueWorld(prefix = 'w'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
