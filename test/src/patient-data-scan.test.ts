import { eventually } from './support/processes';
import { fixtureText, meldepliktFor, startOpsStack, type OpsStack } from './support/ops-stack';
import { startService } from './support/processes';

// After the example flows (meldeplikt acknowledged; one to a failing kommune, dead, retried by ops
// and acknowledged; a repeat; a refused one with a wrong digit; the plan copy and the epikrise), no
// Redis key or value under the run's prefix and no line any service logged holds the example's
// fødselsnummer, a name from it, its address or its clinical text.
let stack: OpsStack;

const FNR = '12830551210';
const WRONG_FNR = '12830551211';
/** Whole words, so that a name cannot "match" inside base64 ciphertext by chance. */
const NEEDLES: { what: string; re: RegExp }[] = [
  ...[FNR, WRONG_FNR].map((v) => ({ what: `fødselsnummer ${v}`, re: new RegExp(v) })),
  ...['Ola', 'Nordmann', 'Kari', 'Lien', 'Per', 'Hansen', 'Anne'].map((n) => ({
    what: `name ${n}`,
    re: new RegExp(`(?<![\\w+/])${n}(?![\\w+/])`),
  })),
  ...[
    'Storgata',
    'hjerneslag',
    'rehabilitering',
    'fysioterapi',
    'Hjemmesykepleie',
    'medisinhåndtering',
    'deltidsarbeid',
    'Ansvarsgruppemøte',
    'Individuell plan for',
    'egen bolig',
    'synthetic epikrise',
    'JVBERi0xLjQKJSBzeW50aGV0aWM',
  ].map((t) => ({ what: `clinical or address text "${t}"`, re: new RegExp(t, 'i') })),
];

function findings(where: string, text: string): string[] {
  return NEEDLES.filter((n) => n.re.test(text)).map((n) => `${n.what} in ${where}`);
}

beforeAll(async () => {
  stack = await startOpsStack({
    attempts: 2,
    // The document-courier carries the plan copy and the epikrise.
    extra: async (env) => [await startService('document-courier', env)],
  });
}, 90000);
afterAll(() => stack?.stop());

async function redisDump(): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await stack.redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await stack.redis.type(key);
      const r = stack.redis;
      const value =
        type === 'string'
          ? [(await r.getBuffer(key))?.toString('utf8') ?? '']
          : type === 'hash'
            ? Object.entries(await r.hgetall(key)).flat()
            : type === 'list'
              ? await r.lrange(key, 0, -1)
              : type === 'set'
                ? await r.smembers(key)
                : type === 'zset'
                  ? await r.zrange(key, 0, -1)
                  : type === 'stream'
                    ? (await r.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields])
                    : [`(unread type ${type})`];
      out.push({ key, text: `${key}\n${value.join('\n')}` });
    }
  } while (cursor !== '0');
  return out;
}

test('no fødselsnummer, name or clinical text in Redis or in the logs after the example flows', async () => {
  // The needles find what they look for: every one of them is in the examples as sent.
  const sent =
    [fixtureText('meldeplikt'), fixtureText('ip-plan-copy'), fixtureText('epikrise'), WRONG_FNR].join('\n') +
    Buffer.from(JSON.parse(fixtureText('epikrise')).entry[1].resource.content[0].attachment.data, 'base64').toString(
      'utf8'
    );
  expect(findings('the examples', sent)).toHaveLength(NEEDLES.length);
  // meldeplikt to Ålesund: acknowledged; sent twice: answered 200, delivered once.
  const ok = meldepliktFor();
  expect((await stack.send(ok.bundle)).status).toBe(202);
  expect((await stack.send(ok.bundle)).status).toBe(200);
  // Molde failing: dead; back up, retried by ops: acknowledged.
  await stack.behave('1506', { mode: 'fail', sequence: ['503'] });
  const failing = meldepliktFor('1506');
  expect((await stack.send(failing.bundle)).status).toBe(202);
  await stack.waitForState(failing.id, 'dead');
  await stack.behave('1506', { mode: 'ok' });
  const retry = await fetch(
    `${stack.dashboard.url}/ops/api/messages/${encodeURIComponent(`997005562:${failing.id}`)}/retry`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.opsToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    }
  );
  expect(retry.status).toBe(200);
  await stack.waitForState(ok.id, 'acknowledged');
  await stack.waitForState(failing.id, 'acknowledged');
  // A fødselsnummer with a wrong check digit: 422, nothing queued, and not logged either.
  const wrong = meldepliktFor();
  const text = JSON.stringify(wrong.bundle).replace(FNR, WRONG_FNR);
  expect((await stack.send(text)).status).toBe(422);
  // Broken JSON whose first bytes are the patient: 400 (the parser's message quotes the text back to
  // the sender, never to a log).
  expect((await stack.send(`{"patient": Ola Nordmann ${FNR} hjerneslag`)).status).toBe(400);
  // The plan copy and the epikrise, as the contract gives them.
  const planCopy = fixtureText('ip-plan-copy');
  const epikrise = fixtureText('epikrise');
  expect((await stack.send(planCopy, '942953119')).status).toBe(202);
  expect((await stack.send(epikrise)).status).toBe(202);
  const ids = [
    JSON.parse(planCopy).entry[0].resource.id as string,
    JSON.parse(epikrise).entry[0].resource.id as string,
  ];
  // Read through the dashboard (ops see every sender's messages): the courier took each to an end
  // or to its recipient.
  const opsState = async (id: string) => {
    const [m] = (await (
      await fetch(`${stack.dashboard.url}/ops/api/messages?id=${id}`, {
        headers: { Authorization: `Bearer ${stack.opsToken}` },
      })
    ).json()) as { state: string }[];
    return m?.state;
  };
  for (const id of ids)
    await eventually(
      async () =>
        ['acknowledged', 'delivered', 'rejected', 'dead', 'blocked'].includes((await opsState(id)) ?? '')
          ? true
          : undefined,
      20000,
      `${id} to leave the queue`
    );
  // The operator's views were read too (their answers are checked in ops-dashboard.test.ts).
  const boardViews = ['meldeplikt', 'documents', 'receipts'].flatMap((q) =>
    ['latest', 'completed', 'failed', 'waiting', 'delayed'].map(
      (st) => `/queues/api/queues?activeQueue=${q}&status=${st}&page=1&jobsPerPage=50`
    )
  );
  for (const path of [
    '/ops',
    '/ops/api/overview',
    '/ops/api/audit',
    `/ops/api/messages?id=${failing.id}`,
    '/metrics',
    ...boardViews,
  ]) {
    const res = await fetch(`${stack.dashboard.url}${path}`, {
      headers: { Authorization: `Bearer ${stack.opsToken}` },
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    // bull-board shows the jobs' data: the message id and routing, nothing more.
    if (path.includes('activeQueue=meldeplikt&status=latest')) expect(body).toContain(failing.id);
    expect(findings(`GET ${path}`, body)).toEqual([]);
  }

  const dump = await redisDump();
  expect(dump.length).toBeGreaterThan(10);
  const bodies = dump.filter((d) => d.key.startsWith(`${stack.prefix}:body:`));
  expect(bodies.length).toBeGreaterThanOrEqual(4);
  for (const b of bodies) expect(b.text.split('\n')[1]).toMatch(/^ipbro-enc:v2:[0-9a-f]{16}:/);
  expect(dump.flatMap((d) => findings(`Redis key ${d.key}`, d.text))).toEqual([]);

  await stack.stop();
  const logs = stack.services().map((s) => ({ name: s.name, text: s.output.join('') }));
  expect(logs.find((l) => l.name === 'gateway')?.text).toMatch(/"msg":"request"/);
  expect(logs.find((l) => l.name === 'meldeplikt-router')?.text).toMatch(/will retry/);
  expect(logs.flatMap((l) => findings(`the ${l.name} log`, l.text))).toEqual([]);
}, 120000);
