// Opens N idle change-feed subscribers (GET /v1/worlds/idle-<i % 100>/changes) against URL, waits
// until every one got its `ready` event, prints how many, and holds them open until stdin closes.
// usage: node deploy/idle-subscribers.mjs URL N   (used by deploy/idle-subscribers.sh)
import { setMaxListeners } from 'node:events';

const [url, n] = [process.argv[2], Number(process.argv[3])];
const ctl = new AbortController();
setMaxListeners(0, ctl.signal); // one listener per subscriber on the shared signal
let ready = 0;
let failed = 0;
async function open(i) {
  try {
    const res = await fetch(`${url}/v1/worlds/idle-${i % 100}/changes`, { signal: ctl.signal });
    if (!res.ok) {
      failed++;
      if (failed <= 3) console.error(`subscriber ${i}: HTTP ${res.status} ${await res.text()}`);
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += decoder.decode(value, { stream: true });
      if (seen.includes('event: ready')) {
        ready++;
        seen = '';
      }
    }
  } catch (e) {
    if (!ctl.signal.aborted && ++failed <= 3) console.error(`subscriber ${i}: ${e}`);
  }
}
for (let i = 0; i < n; i++) {
  open(i);
  if (i % 500 === 499) await new Promise((r) => setTimeout(r, 50)); // no SYN flood
}
while (ready + failed < n) await new Promise((r) => setTimeout(r, 200));
console.log(`open: ${ready} ready, ${failed} failed`);
process.stdin.resume();
process.stdin.on('end', () => {
  ctl.abort();
  process.exit(0);
});
