// Helpers shared by the benchmarks: a keep-alive HTTP load loop and percentiles.
'use strict';
const http = require('node:http');

/** Posts `makeBody(i)` to url with `concurrency` requests in flight for `seconds`; returns completed/s and statuses. */
async function loadLoop(url, makeBody, { seconds, concurrency = 32, headers = {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const statuses = {};
  let done = 0;
  let i = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  const one = () =>
    new Promise((resolve) => {
      const body = makeBody(i++);
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            done++;
            resolve();
          });
        }
      );
      req.on('error', () => {
        statuses.error = (statuses.error ?? 0) + 1;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) await one();
    })
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { rate: done / elapsed, statuses };
}

/** Calls fn over items (round robin) for `seconds`; returns calls per second. */
function rate(fn, items, seconds) {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  while (Date.now() < end) {
    fn(items[n % items.length]);
    n++;
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Starts a worker (`resume`) on a pre-filled queue and waits until it is empty: jobs/s and CPU µs per job. */
async function drain(queue, n, resume) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  resume();
  for (;;) {
    const left = await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized');
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: n / seconds, cpuUs: (used.user + used.system) / n };
}

/** The better of two drain results, side by side over alternating rounds. */
const bestOf = (a, b) => ({ rate: Math.max(a.rate, b.rate), cpuUs: Math.min(a.cpuUs, b.cpuUs) });

/** The MessageHeader.id of the contract's example meldeplikt, which each bench message replaces. */
const MELDEPLIKT_EXAMPLE_ID = '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01';

/**
 * (id) => the example meldeplikt (`template`, its text) with that id, as the gateway stores it: the
 * parsed bundle serialised again (message-intake), 3.8 kB of compact JSON for the 6.8 kB example.
 */
function storedMeldeplikt(template) {
  return (id) => JSON.stringify(JSON.parse(template.replace(MELDEPLIKT_EXAMPLE_ID, id)));
}

module.exports = { bestOf, drain, loadLoop, percentile, rate, storedMeldeplikt };
