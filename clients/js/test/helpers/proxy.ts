// A tiny HTTP load balancer for the two-node test: writes go to one node, reads to the other,
// and every request's X-Worldstore-Position header is recorded. Real sockets, real servers.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Routed {
  method: string;
  path: string;
  target: 'writes' | 'reads';
  position: string | undefined;
}

export interface SplitProxy {
  url: string;
  log: Routed[];
  close(): Promise<void>;
}

/** Starts a proxy sending reads (GET, POST …/read) to `reads` and every other request to `writes`. */
export async function splitProxy(writes: string, reads: string): Promise<SplitProxy> {
  const log: Routed[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const isRead = req.method === 'GET' || (req.method === 'POST' && /\/read$/.test(path));
    const target = isRead ? 'reads' : 'writes';
    const position = req.headers['x-worldstore-position'];
    log.push({ method: req.method ?? '', path, target, position: Array.isArray(position) ? position[0] : position });
    const upstream = new URL(path, isRead ? reads : writes);
    const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
    const out = httpRequest(upstream, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (e) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
    req.pipe(out);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
