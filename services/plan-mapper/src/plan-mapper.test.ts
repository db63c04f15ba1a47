import { generateIpDocument } from '@ipbro/ip-model';
import { createLogger } from '@ipbro/service-kit';
import type { Bundle, CarePlan } from '@medplum/fhirtypes';
import type { Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createPlanMapperApp } from './app';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
const NOW = new Date('2026-11-24T12:00:00+01:00');
const fixture = (name: string): string => readFileSync(join(FIXTURES, `${name}.json`), 'utf8');
let server: Server;
let base: string;

beforeAll(async () => {
  const logger = createLogger('plan-mapper', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const app = createPlanMapperApp({ logger, now: () => NOW, bodyLimit: 2 * 1024 * 1024 });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: string, type = 'application/fhir+json') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body });

describe('POST /fhir/$validate', () => {
  const FIXTURE_NAMES = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));

  test('every contract example is there to check', () => {
    expect(FIXTURE_NAMES).toEqual(
      expect.arrayContaining(['meldeplikt', 'meldeplikt-svar', 'ip-plan-copy', 'epikrise', 'receipt-ok'])
    );
  });

  test.each(FIXTURE_NAMES)('the contract example %s validates: 200, no error', async (name) => {
    const res = await post('/fhir/$validate', fixture(name));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const outcome = (await res.json()) as { resourceType: string; issue: { severity: string }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
  });

  test('valid with warnings is still 200, warnings included', async () => {
    // A plan identifier in the former urn:oid system (no OID): read, with a warning, not an error.
    const text = fixture('ip-plan-copy').replace(
      '"http://ipbro.no/fhir/sid/org/942953119/ip"',
      '"urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip"'
    );
    const res = await post('/fhir/$validate', text);
    expect(res.status).toBe(200);
    const outcome = (await res.json()) as { issue: { severity: string; expression?: string[] }[] };
    expect(outcome.issue.filter((i) => i.severity === 'warning').map((i) => i.expression)).toEqual([
      ['Bundle.entry[1].resource.identifier[0].system'],
    ]);
  });

  test('?now= fixes the moment of the rules; a bad one is 400 naming it', async () => {
    expect((await post('/fhir/$validate?now=2026-11-24T12:00:00%2B01:00', fixture('ip-plan-copy'))).status).toBe(200);
    const late = await post('/fhir/$validate?now=2030-01-01T00:00:00Z', fixture('ip-plan-copy'));
    expect(late.status).toBe(422);
    expect(JSON.stringify(await late.json())).toContain('No active consent');
    const bad = await post('/fhir/$validate?now=yesterday', fixture('ip-plan-copy'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issue: { expression: string[] }[] }).issue[0].expression).toEqual(['now']);
  });

  test('a rule breach is 422 with the issue and where', async () => {
    const bundle = JSON.parse(fixture('meldeplikt'));
    bundle.entry[2].resource.identifier[0].value = '12830551211';
    const res = await post('/fhir/$validate', JSON.stringify(bundle));
    expect(res.status).toBe(422);
    const outcome = (await res.json()) as { issue: { diagnostics: string; expression: string[] }[] };
    expect(outcome.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          expression: ['Bundle.entry[2].resource.identifier[0].value'],
          diagnostics: expect.stringContaining('check digit 2'),
        }),
      ])
    );
  });
});

describe('POST /ip/$from-fhir and /ip/$to-fhir', () => {
  test('the example plan copy becomes a document and back a bundle holding every plan resource', async () => {
    const res = await post('/ip/$from-fhir', fixture('ip-plan-copy'));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { plan: { id: string } };
    expect(doc.plan.id).toBe('IP-2026-0042');
    const back = await post('/ip/$to-fhir', JSON.stringify(doc), 'application/json');
    expect(back.status).toBe(200);
    const bundle = (await back.json()) as Bundle;
    const original = JSON.parse(fixture('ip-plan-copy')) as Bundle;
    expect(new Set(bundle.entry?.map((e) => e.fullUrl))).toEqual(
      new Set(original.entry?.slice(1).map((e) => e.fullUrl))
    );
  });

  test('$from-fhir of something that is not a Bundle is 422 saying what it got; of a broken plan 422 with where', async () => {
    const patient = await post('/ip/$from-fhir', '{"resourceType":"Patient"}');
    expect(patient.status).toBe(422);
    const outcome = (await patient.json()) as { issue: { diagnostics: string; expression: string[] }[] };
    expect(outcome.issue[0]).toMatchObject({
      diagnostics: 'Expected a FHIR Bundle holding an individuell plan, got a Patient',
      expression: ['resourceType'],
    });
    const plan = JSON.parse(fixture('ip-plan-copy'));
    plan.entry.find(
      (e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient'
    ).resource.identifier[0].value = '12830551211';
    const broken = await post('/ip/$from-fhir', JSON.stringify(plan));
    expect(broken.status).toBe(422);
    const issues = ((await broken.json()) as { issue: { severity: string; expression?: string[] }[] }).issue.filter(
      (i) => i.severity === 'error'
    );
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => (i.expression?.length ?? 0) > 0)).toBe(true);
  });

  test('a generated document maps to a valid bundle', async () => {
    const res = await post('/ip/$to-fhir', JSON.stringify(generateIpDocument(42)));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Bundle).entry?.[0].resource?.resourceType).toBe('CarePlan');
  });

  test(
    "$to-fhir gives the CarePlan its narrative: the plan as a person reads it, in FHIR's XHTML, " +
      'and the bundle still validates',
    async () => {
      const res = await post('/ip/$to-fhir', JSON.stringify(generateIpDocument(42)));
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as Bundle;
      const plan = bundle.entry?.[0].resource as CarePlan;
      expect(plan.text?.status).toBe('generated');
      expect(plan.text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"[^>]*>/);
      for (const heading of ['a) Mål, ressurser og behov', 'c) Koordinator', 'i) Samarbeid'])
        expect(plan.text?.div).toContain(heading);
      const checked = await post('/fhir/$validate', JSON.stringify(bundle));
      expect(checked.status).toBe(200);
    }
  );

  test('a document breaking its schema is 422 with paths; one breaking the law is 422 too', async () => {
    const doc = generateIpDocument(7) as unknown as {
      measures: { responsible: unknown[] }[];
      participants: { role: string }[];
    };
    doc.measures[0].responsible = [];
    const res = await post('/ip/$to-fhir', JSON.stringify(doc));
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('IpDocument.measures[0].responsible');
    const lawless = generateIpDocument(8) as unknown as { participants: { role: string }[] };
    // No koordinator of either kind: before handover the hospital's midlertidig-koordinator alone would be lawful.
    lawless.participants.forEach((p) => {
      if (p.role === 'koordinator' || p.role === 'midlertidig-koordinator') p.role = 'tjenesteyter';
    });
    const res2 = await post('/ip/$to-fhir', JSON.stringify(lawless));
    expect(res2.status).toBe(422);
    expect(JSON.stringify(await res2.json())).toContain('no active koordinator');
  });
});

describe('bad input never gets a 5xx', () => {
  const bodies = [
    '',
    '{',
    '[]',
    '5',
    '"x"',
    'null',
    'true',
    '{"resourceType":5}',
    '{"resourceType":"Bundle"}',
    '{"resourceType":"Bundle","type":"message","entry":5}',
    '{"resourceType":"Bundle","type":"message","entry":[null,1,"x",{}]}',
    '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"CarePlan","category":5}}]}',
    '{"resourceType":"CarePlan","category":[{"coding":[{"system":"urn:oid:2.16.578.1.12.4.1.1.9602","code":"A02-2"}]}],' +
      '"activity":[{"detail":5}]}',
    '{"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":12345}]}',
    '{"plan":{}}',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
    '['.repeat(5000) + ']'.repeat(5000),
    `{"resourceType":"Patient","id":"${'x'.repeat(1_000_000)}"}`,
    '{"resourceType":"\u0000\ud800"}',
    '{"resourceType":"Bundle","type":"message",' +
      '"entry":[{"resource":{"resourceType":"MessageHeader","focus":[{"reference":"urn:uuid:x"}]}}]}',
    'x'.repeat(3 * 1024 * 1024),
  ];
  test.each(['/fhir/$validate', '/ip/$from-fhir', '/ip/$to-fhir'])('%s', async (path) => {
    for (const body of bodies) {
      const res = await post(path, body);
      expect({ body: body.slice(0, 60), status: res.status < 500 }).toEqual({ body: body.slice(0, 60), status: true });
      const outcome = (await res.json()) as { resourceType?: string };
      if (res.status >= 400) expect(outcome.resourceType).toBe('OperationOutcome');
    }
    expect((await post(path, '{}', 'text/plain')).status).toBe(415);
    expect((await post(path, 'x'.repeat(3 * 1024 * 1024))).status).toBe(413);
  });
});

describe('well-formed JSON with a wrong value anywhere never gets a 5xx', () => {
  /** Every path to a value in `root`, objects and arrays included. */
  function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [at];
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_v, i) => i) : Object.keys(value);
    return [at, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], [...at, k]))];
  }
  function replaced<T>(root: T, path: (string | number)[], value: unknown): T {
    const copy = structuredClone(root);
    let node = copy as Record<string | number, unknown>;
    path.slice(0, -1).forEach((k) => (node = node[k] as Record<string | number, unknown>));
    node[path[path.length - 1]] = value;
    return copy;
  }
  const WRONG = [null, 5, 'x', [], {}];
  // Every 7th path: spread over the whole document without thousands of requests.
  const sample = <T>(root: T) => paths(root).filter((p, i) => p.length > 0 && i % 7 === 0);

  async function noServerErrors(route: string, root: unknown): Promise<void> {
    const statuses = new Map<number, number>();
    for (const path of sample(root)) {
      for (const wrong of WRONG) {
        const res = await post(route, JSON.stringify(replaced(root, path, wrong)));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500)
          throw new Error(
            `${route}: ${res.status} for ${JSON.stringify(wrong)} at ${path.join('.')}: ${await res.text()}`
          );
        await res.arrayBuffer().catch(() => undefined);
      }
    }
    // Some of them must have been refused, or the mutations did not reach anything that is checked.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(0);
  }

  test('/ip/$to-fhir', () => noServerErrors('/ip/$to-fhir', generateIpDocument(11)), 120_000);

  // validate() guards the rules against content whose shape is broken (CarePlan.activity = 5,
  // CareTeam.participant[0] = null …): the structural issues answer, with a 422, never a 500.
  test.each([
    ['/ip/$from-fhir', 'ip-plan-copy'],
    ['/fhir/$validate', 'meldeplikt'],
  ])(
    '%s with changed values at every 7th path',
    (route, name) => noServerErrors(route, JSON.parse(fixture(name))),
    120_000
  );
});
