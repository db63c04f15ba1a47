import type { Goal } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { refTo, resourceIn } from './test-support/bundle-lookup';
import { sampleDocument } from './test-support/sample-document';

const bundle = ipDocumentToFhir(sampleDocument());

test('§ 19 a: a goal is a Goal with its life area as category, its text, who expressed it and when it is due', () => {
  expect(resourceIn<Goal>(bundle, 'Goal', 'g1')).toEqual({
    resourceType: 'Goal',
    id: 'g1',
    identifier: [{ system: 'http://ipbro.no/fhir/sid/org/942953119/ip', value: 'IP-2026-0042-goal-g1' }],
    lifecycleStatus: 'active',
    category: [{ coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'helse-omsorg' }] }],
    description: { text: 'Klare meg selv i egen bolig' },
    subject: refTo(bundle, 'Patient', 'pas'),
    target: [{ dueDate: '2027-08-01' }],
    expressedBy: refTo(bundle, 'Patient', 'pas'),
  });
  expect(resourceIn<Goal>(bundle, 'Goal', 'g2')).not.toHaveProperty('target');
});

test('a goal without a life area or text cannot be a goal of the document: 422 at the Goal', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const g = resourceIn<Goal>(b, 'Goal', 'g2');
  g.category = [{ coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-life-area', code: 'hobby' }] }];
  g.description = { coding: [{ system: 'http://snomed.info/sct', code: '1' }] };
  const at = `Bundle.entry[${b.entry?.findIndex((e) => e.resource === g)}].resource`;
  expect(() => fhirToIpDocument(b)).toThrow(
    expect.objectContaining({
      status: 422,
      outcome: expect.objectContaining({
        issue: [
          expect.objectContaining({ expression: [`${at}.category`] }),
          expect.objectContaining({ expression: [`${at}.description.text`] }),
        ],
      }),
    })
  );
});
