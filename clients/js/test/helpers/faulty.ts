// A real HTTP proxy in front of a real node that can lose answers: it forwards each request,
// waits for the node's answer (so the node applied the write), then, as the test says, passes the
// answer on, drops the connection, or answers 503 OUTCOME_UNKNOWN in the node's place. It records
// every request's method, path and Idempotency-Key.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export type Fault = 'pass' | 'reset' | 'outcome-unknown';

export interface Seen {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** The node's status (the client may have seen another one). */
  status: number;
}

export interface FaultyProxy {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Starts a proxy to `upstream`; `fault(n, method, path)` decides what happens to request n (0-based). */
export async function faultyProxy(upstream: string, fault: (n: number, method: string, path: string) => Fault): Promise<FaultyProxy> {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req, res) => {
    const n = seen.length;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const key = req.headers['idempotency-key'];
    const record: Seen = { method, path, idempotencyKey: Array.isArray(key) ? key[0] : key, status: 0 };
    seen.push(record);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const payload = await body(req);
    const answer = await fetch(new URL(path, upstream), { method, headers, body: payload.length ? payload : undefined });
    const text = Buffer.from(await answer.arrayBuffer());
    record.status = answer.status;
    const what = fault(n, method, path);
    if (what === 'reset') {
      req.socket.destroy();
      return;
    }
    if (what === 'outcome-unknown') {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      res.end(JSON.stringify({ type: 'urn:worldstore:problem:outcome-unknown', title: 'Outcome unknown', status: 503, code: 'OUTCOME_UNKNOWN',
        detail: 'no answer from the log within write.timeout.ms: the write may still apply; retry with the same Idempotency-Key' }));
      return;
    }
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-encoding') out[k] = v;
    });
    res.writeHead(answer.status, out);
    res.end(text);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
