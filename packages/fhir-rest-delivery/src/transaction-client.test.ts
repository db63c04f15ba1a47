import type { Bundle, CarePlan, CareTeam, Consent, Goal } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { classifyTransaction, deliverTransactions } from './transaction-client';
import { planTransactions, SUBSETTED_TAG } from './transaction-plan';
import { listeningPeer } from './test-support/listening-peer';

// A real FHIR server (Medplum's FhirRouter over its MemoryRepository, validation on) on port 0.
const PLAN_COPY = readFileSync(
  join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'),
  'utf8'
);
const options = { messageId: 'm-1', timeoutMs: 5000 };

const at = listeningPeer();

async function search<T>(query: string): Promise<T[]> {
  const b = (await (await fetch(`${at.base}/${query}`)).json()) as Bundle;
  return (b.entry ?? []).map((e) => e.resource as T);
}

test(
  'the example plan copy lands as a readable CarePlan linked to its CareTeam, Goals and Consents; ' +
    'again and again, still one of each',
  async () => {
    for (let round = 0; round < 3; round++) {
      const outcome = await deliverTransactions(at.base, planTransactions(JSON.parse(PLAN_COPY), 8), options);
      expect(outcome).toMatchObject({ kind: 'written', transactions: 2 });
    }
    const [plans, teams, goals, consents, patients] = await Promise.all([
      search<CarePlan>('CarePlan'),
      search<CareTeam>('CareTeam'),
      search<Goal>('Goal'),
      search<Consent>('Consent'),
      search('Patient'),
    ]);
    expect([plans.length, teams.length, goals.length, consents.length, patients.length]).toEqual([1, 1, 2, 2, 1]);
    const plan = plans[0];
    expect(plan.careTeam?.[0].reference).toBe(`CareTeam/${teams[0].id}`);
    expect(plan.goal?.map((g) => g.reference).sort()).toEqual(goals.map((g) => `Goal/${g.id}`).sort());
    expect(plan.supportingInfo?.map((c) => c.reference).sort()).toEqual(consents.map((c) => `Consent/${c.id}`).sort());
    expect(plan.subject?.reference).toBe(`Patient/${(patients[0] as { id: string }).id}`);
    expect(plan.title).toBe('Individuell plan for Ola Nordmann');
  }
);

test('one transaction with all eleven conditional entries is refused by the server, as the entry limit says', async () => {
  const outcome = await deliverTransactions(at.base, planTransactions(JSON.parse(PLAN_COPY), 20), options);
  expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/HTTP 400/) });
  expect(await search('CarePlan')).toHaveLength(0);
});

test('a recipient that is down: transient; a failed entry in a 200 transaction-response fails the delivery', async () => {
  at.peer.down = true;
  expect(await deliverTransactions(at.base, planTransactions(JSON.parse(PLAN_COPY), 8), options)).toMatchObject({
    kind: 'transient',
    reason: expect.stringContaining('HTTP 503'),
  });
  const sent: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: 'urn:uuid:a', request: { method: 'POST', url: 'Patient' } },
      { fullUrl: 'urn:uuid:b', request: { method: 'POST', url: 'Patient' } },
    ],
  };
  const answer = {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: [
      { response: { status: '201 Created', location: 'Patient/1/_history/1' } },
      {
        response: {
          status: '422',
          outcome: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad name' }],
          },
        },
      },
    ],
  };
  expect(classifyTransaction({ status: 200, body: answer, headers: {} }, sent)).toEqual({
    kind: 'rejected',
    reason: 'entry 2 (POST Patient) failed: 422: bad name',
  });
  answer.entry[1].response.status = '503';
  expect(classifyTransaction({ status: 200, body: answer, headers: {} }, sent)).toMatchObject({ kind: 'transient' });
  expect(
    classifyTransaction(
      { status: 200, body: { ...answer, entry: [answer.entry[0]] }, headers: {} },
      { ...sent, entry: [sent.entry![0]] }
    )
  ).toEqual({ kind: 'written', locations: new Map([['urn:uuid:a', 'Patient/1']]) });
  expect(classifyTransaction({ error: { code: 'ECONNREFUSED', message: 'refused' } }, sent)).toMatchObject({
    kind: 'transient',
  });
});

test('a server that answers without locations: later transactions refer to earlier resources by conditional reference', async () => {
  const got: Bundle[] = [];
  const minimal = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const b = JSON.parse(text) as Bundle;
      got.push(b);
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction-response',
          entry: b.entry!.map(() => ({ response: { status: '200 OK' } })),
        })
      );
    });
  });
  await new Promise<void>((r) => minimal.listen(0, '127.0.0.1', () => r()));
  const outcome = await deliverTransactions(
    `http://127.0.0.1:${(minimal.address() as { port: number }).port}`,
    planTransactions(JSON.parse(PLAN_COPY), 8),
    options
  );
  minimal.close();
  expect(outcome).toMatchObject({ kind: 'written', transactions: 2 });
  const plan = got[1].entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as CarePlan;
  expect(plan.subject?.reference).toBe(
    `Patient?identifier=${encodeURIComponent('urn:oid:2.16.578.1.12.4.1.4.1|12830551210')}`
  );
  expect(plan.goal?.[0].reference).toBe(
    `Goal?identifier=${encodeURIComponent('http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042-goal-g1')}`
  );
});

test('a person number the server echoes in its error is masked before it becomes the reason', () => {
  const sent: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [{ fullUrl: 'urn:uuid:a', request: { method: 'POST', url: 'Patient' } }],
  };
  const answer = {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'invalid', diagnostics: 'Patient 12830551210 is already registered as 128305 51210' },
    ],
  };
  const outcome = classifyTransaction({ status: 422, body: answer, headers: {} }, sent);
  expect(outcome).toEqual({
    kind: 'rejected',
    reason: 'HTTP 422: Patient [person number] is already registered as [person number]',
  });
});

test(
  "a plan's status notice (the CarePlan subsetted) sets the status of the plan the server holds and " +
    'leaves the rest; a server without that plan refuses it',
  async () => {
    const notice = JSON.parse(PLAN_COPY) as Bundle;
    const plan = notice.entry![1].resource as CarePlan;
    notice.entry = [
      notice.entry![0],
      {
        fullUrl: notice.entry![1].fullUrl,
        resource: {
          resourceType: 'CarePlan',
          meta: { tag: [SUBSETTED_TAG] },
          identifier: plan.identifier,
          status: 'revoked',
          intent: 'plan',
          subject: plan.subject,
        },
      },
      notice.entry!.find((e) => e.resource?.resourceType === 'Patient')!,
    ];
    expect(await deliverTransactions(at.base, planTransactions(notice, 8), options)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('did not match'),
    });
    expect(await search('CarePlan')).toHaveLength(0);
    await deliverTransactions(at.base, planTransactions(JSON.parse(PLAN_COPY), 8), options);
    for (let round = 0; round < 2; round++)
      expect(await deliverTransactions(at.base, planTransactions(notice, 8), options)).toMatchObject({
        kind: 'written',
        transactions: 1,
      });
    const [held] = await search<CarePlan>('CarePlan');
    expect(held.status).toBe('revoked');
    expect(held.title).toBe('Individuell plan for Ola Nordmann');
    expect(held.goal).toHaveLength(2);
    expect(await search('CarePlan')).toHaveLength(1);
    expect(await search('Patient')).toHaveLength(1);
  }
);
