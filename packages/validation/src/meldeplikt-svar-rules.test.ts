import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { validate } from './index';
import { contractExample, entryById, NOW } from './test-support/fixtures';

const errorsOf = (b: unknown): OperationOutcomeIssue[] =>
  (validate(b, { now: NOW }).issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
const found = (b: unknown) => errorsOf(b).map((i) => ({ d: i.diagnostics, e: i.expression }));
/** Exactly one error, with diagnostics matching and the expression given. */
function expectOnly(b: unknown, diagnostics: RegExp, expression: string): void {
  expect(found(b)).toEqual([{ d: expect.stringMatching(diagnostics), e: [expression] }]);
}
const svar = () => contractExample('meldeplikt-svar');
const TASK = 'Bundle.entry[1].resource';

describe("meldeplikt-svar: the kommune's answer to a meldeplikt", () => {
  test("the contract's example is accepted as it is, with no author", () => {
    const b = svar();
    expect((b.entry![0].resource as { author?: unknown }).author).toBeUndefined();
    expect(found(b)).toEqual([]);
  });

  test('a rejection with its reason, and no output, is accepted', () => {
    const b = svar();
    const task = entryById(b, 'svar');
    task.status = 'rejected';
    task.statusReason = { text: 'Pasienten er ikke bosatt i kommunen' };
    delete task.output;
    expect(found(b)).toEqual([]);
  });

  test('a rejection without a reason is refused at statusReason', () => {
    const b = svar();
    entryById(b, 'svar').status = 'rejected';
    expectOnly(b, /rejected meldeplikt-svar says why/, `${TASK}.statusReason`);
  });

  test('a status other than completed or rejected is refused at status', () => {
    const b = svar();
    entryById(b, 'svar').status = 'in-progress';
    expectOnly(b, /completed or rejected, not "in-progress"/, `${TASK}.status`);
  });

  test('an answer that names no meldeplikt is refused at basedOn', () => {
    const b = svar();
    entryById(b, 'svar').basedOn[0].identifier.system = 'urn:ietf:rfc:3987';
    expectOnly(b, /names the meldeplikt it answers/, `${TASK}.basedOn`);
    delete entryById(b, 'svar').basedOn;
    expectOnly(b, /names the meldeplikt it answers/, `${TASK}.basedOn`);
  });

  test('a completed answer with no output is refused at output', () => {
    const b = svar();
    delete entryById(b, 'svar').output;
    expectOnly(b, /says what was arranged/, `${TASK}.output`);
  });

  test('the koordinator must be a PractitionerRole in the bundle, with a named person and a telecom', () => {
    const b = svar();
    entryById(b, 'svar').output[0].valueReference = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    expect(found(b)).toEqual(
      expect.arrayContaining([
        { d: expect.stringMatching(/PractitionerRole in the bundle/), e: [`${TASK}.output[0].valueReference`] },
      ])
    );

    const noTelecom = svar();
    delete entryById(noTelecom, 'koordinator').telecom;
    expectOnly(noTelecom, /needs a telecom/, 'Bundle.entry[3].resource.telecom');

    const noName = svar();
    delete entryById(noName, 'koord').name;
    expectOnly(noName, /names a Practitioner in the bundle, with a name/, 'Bundle.entry[3].resource.practitioner');
  });

  test("har-ip needs the plan's identifier; an output not typed from ip-need is refused at its type", () => {
    const b = svar();
    entryById(b, 'svar').output[1].type.coding[0].code = 'har-ip';
    expectOnly(b, /har-ip is the existing plan's identifier/, `${TASK}.output[1]`);
    const withPlan = svar();
    const out = entryById(withPlan, 'svar').output[1];
    out.type.coding[0].code = 'har-ip';
    delete out.valueString;
    out.valueIdentifier = { system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042' };
    expect(found(withPlan)).toEqual([]);

    const other = svar();
    entryById(other, 'svar').output[1].type = { text: 'noe annet' };
    expectOnly(other, /typed from ip-need/, `${TASK}.output[1].type`);
  });

  test('the patient must be in the bundle with a fødselsnummer or D-nummer', () => {
    const b = svar();
    delete entryById(b, 'pas').identifier;
    expectOnly(b, /no fødselsnummer or D-nummer/, 'Bundle.entry[2].resource.identifier');
  });

  test('any other event still needs its author', () => {
    const b = contractExample('meldeplikt');
    delete (b.entry![0].resource as { author?: unknown }).author;
    expect(found(b)).toEqual(
      expect.arrayContaining([
        { d: expect.stringMatching(/MessageHeader.author/), e: ['Bundle.entry[0].resource.author'] },
      ])
    );
  });
});
