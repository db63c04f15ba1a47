import type { Bundle, Patient } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIpDocument, ipDocumentToFhir } from '@ipbro/ip-model';
import { cardinalityIssues, DEFAULT_ELEMENT_LIMIT, ELEMENT_LIMITS, TOTAL_VALUE_LIMIT } from './cardinality-limits';
import { validate } from './validate';
import { contractExample, NOW } from './test-support/fixtures';

const check = (b: object, root = 'Bundle') => cardinalityIssues(b as Record<string, unknown>, root);
const patientOf = (b: Bundle) => b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;

describe('cardinality limits', () => {
  test('no contract example and no generated plan comes near a limit', () => {
    for (const name of ['meldeplikt', 'ip-plan-copy', 'epikrise', 'receipt-ok'] as const)
      expect(check(contractExample(name))).toEqual([]);
    for (let n = 0; n < 50; n++) expect(check(ipDocumentToFhir(generateIpDocument(n)))).toEqual([]);
  });

  test('at a limit is accepted; one past it is refused, naming the element with its indices', () => {
    const b = contractExample('meldeplikt');
    patientOf(b).name![0].given = Array.from({ length: ELEMENT_LIMITS.get('given')! }, (_, i) => `N${i}`);
    expect(check(b)).toEqual([]);
    patientOf(b).name![0].given!.push('one more');
    expect(check(b)).toEqual([
      {
        severity: 'error',
        code: 'too-costly',
        diagnostics:
          'Bundle.entry[2].resource.name[0].given holds 21 values; at most 20 are accepted for given (no real message has more)',
        expression: ['Bundle.entry[2].resource.name[0].given'],
      },
    ]);
  });

  test("a primitive's extensions (_given) count under the element's name; an element without a limit of its own has the default", () => {
    const b = contractExample('meldeplikt');
    (patientOf(b).name![0] as Record<string, unknown>)._given = Array.from({ length: 25 }, () => null);
    expect(check(b).map((i) => i.expression)).toEqual([['Bundle.entry[2].resource.name[0].given']]);
    const task = b.entry![1].resource as { input: unknown[] };
    task.input = Array.from({ length: DEFAULT_ELEMENT_LIMIT + 1 }, () => ({ type: { text: 'x' }, valueBoolean: true }));
    expect(check(b).map((i) => i.expression)).toContainEqual(['Bundle.entry[1].resource.input']);
  });

  test('a resource on its own is rooted at its type', () => {
    const p = patientOf(contractExample('meldeplikt'));
    p.identifier = Array.from({ length: 21 }, () => p.identifier![0]);
    expect(check(p, 'Patient').map((i) => i.expression)).toEqual([['Patient.identifier']]);
  });

  test('past the total, one issue at the root and the walk stops: many lists, each within its limit', () => {
    const b = contractExample('meldeplikt');
    // 1000 entries of 150 contacts: each list within its limit, 150,000 values in all.
    const contact = () => Array.from({ length: 150 }, () => ({ gender: 'other' as const }));
    const patient = (): Patient => ({ resourceType: 'Patient', contact: contact() });
    b.entry = Array.from({ length: 1000 }, (_, i) => ({ fullUrl: `urn:uuid:e${i}`, resource: patient() }));
    const issues = check(b);
    expect(issues).toHaveLength(1);
    const said = new RegExp(
      `More than ${TOTAL_VALUE_LIMIT} values in all \\(the limit was passed at Bundle.entry\\[\\d+\\]`
    );
    expect(issues[0]).toMatchObject({
      code: 'too-costly',
      expression: ['Bundle'],
      diagnostics: expect.stringMatching(said),
    });
  });

  test('500,000 given names: validate() refuses them in milliseconds, with that issue only, before any profile is read', () => {
    const b = contractExample('meldeplikt');
    patientOf(b).name![0].given = Array.from({ length: 500_000 }, (_, i) => `Fornavn-${i}`);
    validate(contractExample('meldeplikt'), { now: NOW }); // the definitions loaded, so the time below is the walk's
    const started = process.hrtime.bigint();
    const outcome = validate(b, { now: NOW });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const given = ['Bundle.entry[2].resource.name[0].given'];
    expect(outcome.issue).toEqual([
      expect.objectContaining({ severity: 'error', code: 'too-costly', expression: given }),
    ]);
    // The list is refused by its length, never walked; the whole profile validation of it took over a second.
    expect(ms).toBeLessThan(50);
  });

  test('the README says the limits as they are', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf("### Limits on a message's content"),
      readme.indexOf('## Where things are')
    );
    const said = new Map<string, number>();
    for (const row of section.split('\n').filter((l) => l.startsWith('| `'))) {
      const [names, limit] = row.split('|').slice(1, 3);
      for (const m of names.matchAll(/`([A-Za-z]+)`/g)) said.set(m[1], Number(limit.trim().replace(',', '')));
    }
    expect(said).toEqual(ELEMENT_LIMITS);
    expect(section).toContain(`| any other repeating element | ${DEFAULT_ELEMENT_LIMIT} |`);
    expect(section).toContain(
      `| values in one message in all (every object and list item) | ${TOTAL_VALUE_LIMIT.toLocaleString('en')} |`
    );
  });
});
