import { createLogger } from '@ipbro/service-kit';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { createFhirPeer } from './fhir-peer';
import { createKommuneSimulator } from './kommune-simulator';

// Each simulated kommune's EHR: a real FHIR server (Medplum FhirRouter + MemoryRepository,
// validation on) at /kommune/{nr}/fhir, beside the koordinerende enhet, with raw Binary uploads.
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const sim = createKommuneSimulator({ logger: quiet });
let server: Server;
let base: string;
beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = sim.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  sim.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12830551210' }],
  name: [{ family: 'Nordmann' }],
};
const fhir = (path: string, body?: unknown, method = 'POST') =>
  fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/fhir+json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

test("a kommune's EHR is a FHIR server of its own: conditional create finds what is there, another kommune's EHR is apart", async () => {
  const tx: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0b6c3c1e-0000-4000-8000-000000000001',
        resource: patient,
        request: {
          method: 'POST',
          url: 'Patient',
          ifNoneExist: 'identifier=urn:oid:2.16.578.1.12.4.1.4.1|12830551210',
        },
      },
    ],
  };
  const first = (await (await fhir('/kommune/1508/fhir', tx)).json()) as Bundle;
  const second = (await (await fhir('/kommune/1508/fhir', tx)).json()) as Bundle;
  expect(first.entry?.[0].response?.status).toBe('201');
  expect(second.entry?.[0].response?.status).toBe('200');
  expect(second.entry?.[0].response?.location).toBe(first.entry?.[0].response?.location);
  expect(((await (await fetch(`${base}/kommune/1508/fhir/Patient`)).json()) as Bundle).entry).toHaveLength(1);
  expect(((await (await fetch(`${base}/kommune/1506/fhir/Patient`)).json()) as Bundle).entry ?? []).toHaveLength(0);
  expect(sim.fhirPeer('1508').requests.length).toBeGreaterThanOrEqual(3);
});

test('validation is on: a resource Medplum refuses is refused; a raw Binary upload is kept byte for byte; reset forgets', async () => {
  const bad = await fhir('/kommune/1508/fhir/Patient', {
    resourceType: 'Patient',
    gender: 'none-of-these',
    name: 'not a list',
  });
  expect(bad.status).toBe(400);
  const bytes = Buffer.from('%PDF-1.4 simulated\n');
  const up = await fetch(`${base}/kommune/1508/fhir/Binary`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/pdf' },
    body: bytes,
  });
  expect(up.status).toBe(201);
  const location = up.headers.get('location') as string;
  const back = await fetch(`${base}/kommune/1508/fhir/${location}`);
  expect(back.headers.get('content-type')).toContain('application/pdf');
  expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
  sim.reset();
  expect(((await (await fetch(`${base}/kommune/1508/fhir/Patient`)).json()) as Bundle).entry ?? []).toHaveLength(0);
  expect((await fetch(`${base}/kommune/1508/fhir/${location}`)).status).toBe(404);
});

test('holdMs makes a slow server: each answer comes that long after its request, until reset', async () => {
  const peer = sim.fhirPeer('1508');
  peer.holdMs = 300;
  const started = Date.now();
  const answers = await Promise.all([
    fetch(`${base}/kommune/1508/fhir/Patient`),
    fetch(`${base}/kommune/1508/fhir/Patient`),
  ]);
  const took = Date.now() - started;
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
  expect(took).toBeGreaterThanOrEqual(290);
  sim.reset();
  expect(peer.holdMs).toBe(0);
});

test(
  'GET /metadata answers what a Medplum server says of itself (software medplum, transaction and batch); ' +
    'without it, no CapabilityStatement',
  async () => {
    const told = createFhirPeer();
    const silent = createFhirPeer({ capabilityStatement: false });
    const servers = await Promise.all(
      [told, silent].map(
        (p) =>
          new Promise<Server>((resolve) => {
            const s = p.app.listen(0, '127.0.0.1', () => resolve(s));
          })
      )
    );
    try {
      const [a, b] = servers.map((s) => `http://127.0.0.1:${(s.address() as { port: number }).port}`);
      type Told = {
        resourceType: string;
        software: { name: string; version: string };
        rest: { interaction: { code: string }[] }[];
      };
      const statement = (await (await fetch(`${a}/metadata`)).json()) as Told;
      expect(statement).toMatchObject({
        resourceType: 'CapabilityStatement',
        software: { name: 'medplum', version: expect.stringMatching(/^4\.5\./) },
      });
      expect(statement.rest[0].interaction.map((i) => i.code)).toEqual(['transaction', 'batch']);
      expect(((await (await fetch(`${b}/metadata`)).json()) as { resourceType: string }).resourceType).not.toBe(
        'CapabilityStatement'
      );
    } finally {
      for (const s of servers) s.close();
    }
  }
);
