import type { Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fhirToIpDocument, ipDocumentToFhir, validateIpDocument } from './index';
import { missingFrom } from './test-support/deep-contains';
import { generateIpDocument } from './ip-document-generator';

const example = (): Bundle => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8'));

describe('document → FHIR → document is exact', () => {
  const docs = Array.from({ length: 250 }, (_, n) => generateIpDocument(n));

  test('250 generated documents are valid against the JSON Schema', () => {
    for (const [n, doc] of docs.entries()) {
      const outcome = validateIpDocument(doc);
      expect({ n, issues: outcome.issue?.filter((i) => i.severity === 'error') }).toEqual({ n, issues: [] });
    }
  });

  test('the generator varies what it makes', () => {
    const has = (f: (d: (typeof docs)[number]) => boolean) => docs.filter(f).length;
    expect(has((d) => d.person.personNumber.kind === 'd-nummer')).toBeGreaterThan(10);
    expect(has((d) => d.consents[0].givenAs === 'foresatt')).toBeGreaterThan(20);
    expect(has((d) => d.consents[0].givenAs === 'representant')).toBeGreaterThan(3);
    expect(has((d) => d.participants.some((p) => p.role === 'midlertidig-koordinator'))).toBeGreaterThan(20);
    expect(has((d) => (d.consents[1].denies ?? []).length > 0)).toBeGreaterThan(10);
    expect(has((d) => d.reviews.length === 0)).toBeGreaterThan(20);
    expect(has((d) => d.assessments.length >= 3)).toBeGreaterThan(20);
    expect(new Set(docs.map((d) => d.measures.length)).size).toBeGreaterThanOrEqual(5);
  });

  test('each of 250 documents maps to FHIR and back unchanged', () => {
    for (const [n, doc] of docs.entries()) {
      const back = fhirToIpDocument(ipDocumentToFhir(doc));
      expect({ n, doc: back }).toEqual({ n, doc });
    }
  });
});

describe('FHIR → document → FHIR on the contract example', () => {
  test('every element of the plan copy survives; a second round trip is exact', () => {
    const original = example();
    const doc = fhirToIpDocument(original);
    expect(validateIpDocument(doc).issue?.filter((i) => i.severity === 'error')).toEqual([]);
    const once = ipDocumentToFhir(doc);
    const byUrl = new Map((once.entry ?? []).map((e) => [e.fullUrl, e.resource]));
    const planEntries = (original.entry ?? []).filter((e) => e.resource?.resourceType !== 'MessageHeader');
    expect(once.entry?.length).toBe(planEntries.length);
    for (const entry of planEntries) {
      expect({ fullUrl: entry.fullUrl, missing: missingFrom(entry.resource, byUrl.get(entry.fullUrl)) }).toEqual({ fullUrl: entry.fullUrl, missing: [] });
    }
    const twice = ipDocumentToFhir(fhirToIpDocument(once));
    expect(twice).toEqual(once);
  });

  test('what the example says lands in the document where the law puts it', () => {
    const doc = fhirToIpDocument(example());
    expect(doc.plan).toMatchObject({ id: 'IP-2026-0042', ownerOrgnr: '942953119', period: { start: '2026-11-21', end: '2027-11-21' } });
    expect(doc.person).toMatchObject({ personNumber: { kind: 'fodselsnummer', value: '12830551210' }, address: { kommunenummer: '1508' }, languages: [{ code: 'nb', preferred: true }] });
    expect(doc.participants.find((p) => p.role === 'koordinator')).toEqual({ party: 'koord', role: 'koordinator', onBehalfOf: 'alesund' });
    expect(doc.goals.map((g) => g.lifeArea)).toEqual(['helse-omsorg', 'dagtid-arbeid-skole']);
    expect(doc.measures.map((m) => m.title)).toEqual(['Hjemmesykepleie', 'Fysioterapi', 'Arbeidsavklaring']);
    expect(doc.measures[0].frequency).toEqual({ count: 2, period: 1, unit: 'd' });
    expect(doc.measures[2].responsible).toEqual([{ name: 'NAV Ålesund' }]);
    expect(doc.reviews).toEqual([{ kind: 'revisjon', label: 'Revisjon av planen', date: '2027-05-21', endDate: '2027-05-21', status: 'scheduled', heldBy: [{ party: 'koord' }] }]);
    expect(doc.consents.map((c) => [c.kind, c.givenBy])).toEqual([['ip-samtykke', 'pas'], ['taushetsplikt-fritak', 'pas']]);
    expect(doc.consents[1].permits).toEqual([{ party: 'alesund' }, { party: 'hmr' }]);
    expect(doc.contributions).toEqual([{ text: 'Bruker bidrar med egentrening daglig. Mor bidrar med transport til fysioterapi.' }]);
  });
});

describe('each content item of § 19 lands where docs/fhir-mapping.md says', () => {
  const doc = generateIpDocument(3);
  doc.assessments = [{ lifeArea: 'bolig', kind: 'need', text: 'Trenger tilrettelagt bolig' }];
  doc.plan.culturalConsiderations = 'Samisk språk og kultur';
  doc.measures = [{ title: 'Boveiledning', status: 'scheduled', scope: '2 timer per uke', lifeArea: 'bolig', frequency: { count: 1, period: 1, unit: 'wk' }, responsible: [{ party: 'kommune' }] }];
  doc.cooperation = [{ party: 'kommune', description: 'Samarbeid om bolig' }];
  doc.contributions = [{ by: 'pas', text: 'Bruker handler selv' }];
  const bundle = ipDocumentToFhir(doc);
  const plan = bundle.entry?.[0].resource as any;

  test('a: assessments as ip-life-area-assessment; b/c: participants and koordinator in the CareTeam', () => {
    expect(plan.extension[0]).toEqual({ url: 'http://ipbro.no/fhir/StructureDefinition/ip-life-area-assessment', extension: [
      { url: 'lifeArea', valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'bolig' } },
      { url: 'kind', valueCode: 'need' }, { url: 'text', valueString: 'Trenger tilrettelagt bolig' }] });
    const team = bundle.entry?.[1].resource as any;
    expect(team.resourceType).toBe('CareTeam');
    expect(team.participant[0].role[0].coding[0]).toEqual({ system: 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role', code: 'koordinator' });
  });

  test('d: contributions as notes with their author; e: measure scope, frequency, responsible; i: cooperation', () => {
    expect(plan.note[0]).toEqual({ authorReference: { reference: plan.subject.reference }, text: 'Bruker handler selv' });
    expect(plan.activity[0].detail).toMatchObject({
      extension: [{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-measure-scope', valueString: '2 timer per uke' }, { url: 'http://ipbro.no/fhir/StructureDefinition/ip-life-area', valueCoding: { system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'bolig' } }],
      kind: 'ServiceRequest', scheduledTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
    });
    expect(plan.activity[0].detail.performer).toHaveLength(1);
    expect(plan.contributor[0].extension).toEqual([{ url: 'http://ipbro.no/fhir/StructureDefinition/ip-cooperation-description', valueString: 'Samarbeid om bolig' }]);
    expect(plan.extension[1]).toEqual({ url: 'http://ipbro.no/fhir/StructureDefinition/ip-cultural-considerations', valueString: 'Samisk språk og kultur' });
  });

  test('the same document always gives the same fullUrls (name-based UUIDs)', () => {
    expect(ipDocumentToFhir(doc)).toEqual(bundle);
    expect(bundle.entry?.every((e) => /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.fullUrl ?? ''))).toBe(true);
  });

  test('a bundle without an IP CarePlan, or with a dangling reference, is refused with where', () => {
    expect(() => fhirToIpDocument({ resourceType: 'Bundle', type: 'collection', entry: [] })).toThrow(expect.objectContaining({ status: 422 }));
    const broken = ipDocumentToFhir(doc);
    (broken.entry?.[0].resource as any).careTeam = [{ reference: 'urn:uuid:00000000-0000-0000-0000-000000000000' }];
    try {
      fhirToIpDocument(broken);
      throw new Error('expected 422');
    } catch (err: any) {
      expect(err.status).toBe(422);
      expect(err.outcome.issue.map((i: any) => i.expression[0])).toContain('Bundle.entry[0].resource.careTeam[0].reference');
    }
  });
});
