import type { Consent } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const EXT = 'http://ipbro.no/fhir/StructureDefinition/';
const IRCP = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] };
const bundle = ipDocumentToFhir(sampleDocument());

test('§ 19 h: consent to the plan: category ip-samtykke, scope treatment, the person as performer, date, period, policy', () => {
  expect(resourceIn<Consent>(bundle, 'Consent', 'ipsamtykke')).toEqual({
    resourceType: 'Consent',
    id: 'ipsamtykke',
    extension: [{ url: `${EXT}ip-consenter-role`, valueCode: 'selv' }],
    identifier: [{ system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042-consent-ipsamtykke' }],
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-consent-category', code: 'ip-samtykke' }] }],
    patient: refTo(bundle, 'Patient', 'pas'),
    dateTime: '2026-11-21T09:00:00+01:00',
    performer: [refTo(bundle, 'Patient', 'pas')],
    policy: [{ authority: 'https://lovdata.no', uri: 'https://lovdata.no/lov/1999-07-02-63/§2-5' }],
    provision: { type: 'permit', period: { start: '2026-11-21', end: '2027-11-21' } },
  });
});

test(
  '§ 19 h: the confidentiality waiver: who may see what (actor IRCP + ip-information-scope), ' +
    'who may not (nested deny), given by a representative with the reason',
  () => {
    const waiver = resourceIn<Consent>(bundle, 'Consent', 'fritak');
    expect(waiver.extension).toEqual([
      { url: `${EXT}ip-consenter-role`, valueCode: 'representant' },
      { url: `${EXT}ip-representation-reason`, valueString: 'Mangler samtykkekompetanse, vurdert av lege' },
    ]);
    expect(waiver.performer).toEqual([refTo(bundle, 'RelatedPerson', 'mor')]);
    expect(waiver.scope?.coding?.[0].code).toBe('patient-privacy');
    expect(waiver.provision).toEqual({
      type: 'permit',
      period: { start: '2026-11-21' },
      actor: [
        {
          extension: [{ url: `${EXT}ip-information-scope`, valueString: 'Hele planen' }],
          role: IRCP,
          reference: refTo(bundle, 'Organization', 'alesund'),
        },
        { role: IRCP, reference: refTo(bundle, 'Organization', 'hmr') },
      ],
      provision: [{ type: 'deny', actor: [{ role: IRCP, reference: refTo(bundle, 'Organization', 'nav') }] }],
    });
  }
);

test('a parent or guardian consenting (foresatt) reads back as given by the relative in that capacity', () => {
  const doc = sampleDocument();
  doc.consents[0] = { ...doc.consents[0], givenBy: 'mor', givenAs: 'foresatt' };
  const c = resourceIn<Consent>(ipDocumentToFhir(doc), 'Consent', 'ipsamtykke');
  expect(c.extension).toEqual([{ url: `${EXT}ip-consenter-role`, valueCode: 'foresatt' }]);
  expect(fhirToIpDocument(ipDocumentToFhir(doc)).consents[0]).toMatchObject({ givenBy: 'mor', givenAs: 'foresatt' });
});

test('a consent given by a Practitioner, or with a nested provision that is not a deny, is refused with where', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const waiver = resourceIn<Consent>(b, 'Consent', 'fritak');
  waiver.performer = [refTo(b, 'Practitioner', 'koord')];
  waiver.provision = { ...waiver.provision, provision: [{ type: 'permit' }] };
  const at = `Bundle.entry[${b.entry?.findIndex((e) => e.resource === waiver)}].resource`;
  try {
    fhirToIpDocument(b);
    throw new Error('expected a 422');
  } catch (err) {
    const e = err as { status: number; outcome: { issue: { expression: string[]; diagnostics: string }[] } };
    expect(e.status).toBe(422);
    expect(e.outcome.issue.map((i) => i.expression[0])).toEqual([
      `${at}.provision.provision[0].type`,
      `${at}.performer[0].reference`,
    ]);
    expect(e.outcome.issue[1].diagnostics).toContain('is a Practitioner; expected a Patient or RelatedPerson');
  }
});
