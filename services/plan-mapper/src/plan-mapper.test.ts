import { generateIpDocument } from '@ipbro/ip-model';
import { createLogger } from '@ipbro/service-kit';
import type { Bundle } from '@medplum/fhirtypes';
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
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

const post = (path: string, body: string, type = 'application/fhir+json') => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body });

describe('POST /fhir/$validate', () => {
  test.each(['meldeplikt', 'ip-plan-copy', 'epikrise', 'receipt-ok'])('the contract example %s validates: 200, no error', async (name) => {
    const res = await post('/fhir/$validate', fixture(name));
    expect(res.status).toBe(200);
    const outcome = (await res.json()) as { issue: { severity: string }[] };
    expect(outcome.issue.filter((i) => i.severity === 'error')).toEqual([]);
  });

  test('a rule breach is 422 with the issue and where', async () => {
    const bundle = JSON.parse(fixture('meldeplikt'));
    bundle.entry[2].resource.identifier[0].value = '12830551211';
    const res = await post('/fhir/$validate', JSON.stringify(bundle));
    expect(res.status).toBe(422);
    const outcome = (await res.json()) as { issue: { diagnostics: string; expression: string[] }[] };
    expect(outcome.issue).toEqual(expect.arrayContaining([expect.objectContaining({ expression: ['Bundle.entry[2].resource.identifier[0].value'], diagnostics: expect.stringContaining('check digit 2') })]));
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
    expect(new Set(bundle.entry?.map((e) => e.fullUrl))).toEqual(new Set(original.entry?.slice(1).map((e) => e.fullUrl)));
  });

  test('a generated document maps to a valid bundle', async () => {
    const res = await post('/ip/$to-fhir', JSON.stringify(generateIpDocument(42)));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Bundle).entry?.[0].resource?.resourceType).toBe('CarePlan');
  });

  test('a document breaking its schema is 422 with paths; one breaking the law is 422 too', async () => {
    const doc = generateIpDocument(7) as unknown as { measures: { responsible: unknown[] }[]; participants: { role: string }[] };
    doc.measures[0].responsible = [];
    const res = await post('/ip/$to-fhir', JSON.stringify(doc));
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('IpDocument.measures[0].responsible');
    const lawless = generateIpDocument(8) as unknown as { participants: { role: string }[] };
    lawless.participants.forEach((p) => {
      if (p.role === 'koordinator') p.role = 'tjenesteyter';
    });
    const res2 = await post('/ip/$to-fhir', JSON.stringify(lawless));
    expect(res2.status).toBe(422);
    expect(JSON.stringify(await res2.json())).toContain('no active koordinator');
  });
});

describe('bad input never gets a 5xx', () => {
  const bodies = [
    '', '{', '[]', '5', '"x"', 'null', 'true', '{"resourceType":5}', '{"resourceType":"Bundle"}', '{"resourceType":"Bundle","type":"message","entry":5}',
    '{"resourceType":"Bundle","type":"message","entry":[null,1,"x",{}]}', '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"CarePlan","category":5}}]}',
    '{"resourceType":"CarePlan","category":[{"coding":[{"system":"urn:oid:2.16.578.1.12.4.1.1.9602","code":"A02-2"}]}],"activity":[{"detail":5}]}',
    '{"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":12345}]}', '{"plan":{}}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}',
    '['.repeat(5000) + ']'.repeat(5000), `{"resourceType":"Patient","id":"${'x'.repeat(1_000_000)}"}`, '{"resourceType":"\u0000\ud800"}', '{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"MessageHeader","focus":[{"reference":"urn:uuid:x"}]}}]}',
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
