import { ipDocumentToFhir } from '@ipbro/ip-model';
import { sampleDocument } from '@ipbro/ip-model/src/test-support/sample-document';
import { OutcomeError } from '@ipbro/outcome';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPlanSource } from './plan-source';
import { CONTRACT_FIXTURES, contractPlanCopy } from './test-support/fixtures';

const NOW = () => new Date('2026-11-24T11:00:00Z');

/** The OperationOutcome a call throws, as status, diagnostics and expressions. */
function refusal(call: () => unknown): { status: number; issues: { diagnostics?: string; expression?: string[] }[] } {
  try {
    call();
  } catch (e) {
    if (!(e instanceof OutcomeError)) throw e;
    return {
      status: e.status,
      issues: e.outcome.issue.map((i) => ({ diagnostics: i.diagnostics, expression: i.expression })),
    };
  }
  throw new Error('expected an OutcomeError');
}

test("a plan copy: the plan by the plan-mapper's mapping, and the copy dated by the message, made by its author and sender", () => {
  const { doc, copy } = readPlanSource(contractPlanCopy(), NOW);
  expect(doc.plan).toMatchObject({ id: 'IP-2026-0042', ownerOrgnr: '942953119' });
  expect(doc.person.personNumber.value).toBe('12830551210');
  expect(copy).toEqual({
    kind: 'ip-plan-copy',
    at: '2026-11-21T12:00:00+01:00',
    by: 'Per Hansen, Ålesund kommune, Koordinerende enhet',
  });
});

test('a koordinator handover is said to be one', () => {
  const bundle = contractPlanCopy();
  (bundle.entry![0].resource as MessageHeader).eventCoding!.code = 'koordinator-handover';
  expect(readPlanSource(bundle, NOW).copy.kind).toBe('koordinator-handover');
});

test('the bundle ipbro map gives, and the IP document itself: a printout, dated by the bundle or else by the clock', () => {
  const doc = sampleDocument();
  const bundle = ipDocumentToFhir(doc);
  expect(readPlanSource(bundle, NOW).copy).toEqual({ kind: 'printout', at: '2026-11-24T11:00:00.000Z' });
  const stamped = { ...bundle, timestamp: '2026-11-23T10:00:00+01:00' };
  expect(readPlanSource(stamped, NOW).copy).toEqual({ kind: 'printout', at: '2026-11-23T10:00:00+01:00' });
  const fromDoc = readPlanSource(doc, NOW);
  expect(fromDoc.doc).toBe(doc);
  expect(fromDoc.copy).toEqual({ kind: 'printout', at: '2026-11-24T11:00:00.000Z' });
});

test('no plan to render: 422 with what and where', () => {
  const meldeplikt = JSON.parse(readFileSync(join(CONTRACT_FIXTURES, 'meldeplikt.json'), 'utf8')) as Bundle;
  expect(refusal(() => readPlanSource(meldeplikt))).toEqual({
    status: 422,
    issues: [
      { diagnostics: expect.stringContaining('The bundle holds no individuell plan'), expression: ['Bundle.entry'] },
    ],
  });
  for (const input of [42, [], null, { resourceType: 'Patient' }]) {
    expect(refusal(() => readPlanSource(input))).toEqual({
      status: 422,
      issues: [{ diagnostics: expect.stringContaining('Expected a FHIR Bundle'), expression: ['resourceType'] }],
    });
  }
  const broken = { ...sampleDocument(), plan: { key: 'ip' } };
  const schema = refusal(() => readPlanSource(broken));
  expect(schema.status).toBe(422);
  const where = schema.issues.map((i) => i.expression?.[0]);
  expect(where).toEqual(['IpDocument.plan.id', 'IpDocument.plan.ownerOrgnr', 'IpDocument.plan.status']);
});

test("a shape FHIR tolerates but the document cannot hold is the sender's content: 422, never a crash", () => {
  const bundle = contractPlanCopy();
  (bundle.entry![1].resource as unknown as { activity: unknown }).activity = { not: 'a list' };
  const r = refusal(() => readPlanSource(bundle));
  expect(r.status).toBe(422);
  expect(r.issues[0].expression?.[0]).toMatch(/^Bundle/);
});
