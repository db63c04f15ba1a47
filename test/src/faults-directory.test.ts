import { readFileSync, writeFileSync } from 'node:fs';
import { eventually } from './support/processes';
import { startReceiver, type Receiver } from './support/receiver';
import { finalRecords, meldeplikt, receiverSummary, sendAll, startRig, statesOf, type Rig } from './support/rig';

// Fault: the directory file corrupted in the middle of a run (cut off half-way, then JSON of the
// wrong shape, then empty) and left so. Gateway and router keep the last good directory: every
// message still reaches Ålesund's koordinerende enhet, once, and each service says what it refused.
const N = 400;
let receiver: Receiver;
let rig: Rig;

beforeAll(async () => {
  receiver = await startReceiver('1508', '942953119', () => ({ kind: 'ok', delayMs: 40 }));
  rig = await startRig({
    receiver,
    gatewayDirectory: true,
    gateway: { LOG_LEVEL: 'info' },
    router: { ROUTER_CONCURRENCY: 8, LOG_LEVEL: 'info' },
  });
}, 60000);

afterAll(async () => {
  await rig?.stop();
  await receiver?.close();
});

test(`the directory file corrupted three ways during a run of ${N}: the last good directory is kept, ${N} acknowledged, none twice`, async () => {
  const good = readFileSync(rig.directoryFile, 'utf8');
  const corruptions = [
    { what: 'cut off half-way', text: good.slice(0, Math.floor(good.length / 2)) },
    {
      what: 'JSON of the wrong shape',
      text: JSON.stringify({
        kommuner: [{ kommunenummer: '1508', koordinerendeEnhet: { endpoint: 'not a url' } }],
        helseforetak: 'none',
      }),
    },
    { what: 'empty', text: '' },
  ];
  const messages = Array.from({ length: N }, () => meldeplikt());
  const ids = messages.map((m) => m.id);
  const sending = sendAll(rig.gateway.url, rig.token, messages, { concurrency: 8 });
  for (const [i, c] of corruptions.entries()) {
    const at = Math.floor(((i + 1) * N) / 5);
    await eventually(async () => (receiver.counts.size >= at ? true : undefined), 60000, `${at} delivered`);
    writeFileSync(rig.directoryFile, c.text);
    // The router noticed and refused it (it reloads on change), while deliveries go on.
    await eventually(
      async () => (rig.router!.output.join('').split('directory rejected').length - 1 >= i + 1 ? true : undefined),
      10000,
      `the router refusing the directory ${c.what}`
    );
  }
  const sent = await sending;
  expect(sent.unexpected).toEqual([]);
  expect(sent.accepted).toBe(N);

  const records = await finalRecords(rig.ledger, ids, 60000);
  expect(statesOf(records)).toEqual({ acknowledged: N });
  for (const r of records) expect(r.recipient?.kommunenummer).toBe('1508');
  const summary = receiverSummary(receiver, ids);
  expect(summary.missing).toEqual([]);
  expect(summary.strangers).toEqual([]);
  expect(summary.distinct).toBe(N);
  expect(summary.duplicates).toBe(0);
  expect(rig.gateway.output.join('')).toContain('directory rejected');
  // Still ready: the directory it keeps is usable.
  expect((await fetch(`${rig.router!.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${rig.gateway.url}/readyz`)).status).toBe(200);
  expect(readFileSync(rig.directoryFile, 'utf8')).toBe(''); // still corrupt at the end
  process.stdout.write(
    `corrupted directory (${corruptions.map((c) => c.what).join(', ')}): sent ${N}, acknowledged ${records.length}, ${summary.distinct} distinct ids, ${summary.duplicates} duplicates\n`
  );
}, 120000);
