import { referenceIndex } from '@ipbro/fhir-message';
import type { Bundle, Consent } from '@medplum/fhirtypes';
import { danglingReferences, duplicateFullUrls } from './bundle-rules';
import { contractExample, entryById } from './test-support/fixtures';

const dangling = (b: Bundle) => danglingReferences(b, referenceIndex(b));
const EXAMPLES = ['meldeplikt', 'ip-plan-copy', 'epikrise', 'receipt-ok'] as const;
const where = (issues: { expression?: string[] }[]) => issues.map((i) => i.expression);

describe('bdl-7: one entry per fullUrl', () => {
  test('the contract examples have none twice', () => {
    for (const name of EXAMPLES) expect(duplicateFullUrls(contractExample(name))).toEqual([]);
  });

  test('a second entry with a fullUrl already used is refused at its fullUrl, naming the first', () => {
    const b = contractExample('meldeplikt');
    const added =
      b.entry!.push({ fullUrl: b.entry![3].fullUrl, resource: { resourceType: 'Practitioner', id: 'other' } }) - 1;
    const issues = duplicateFullUrls(b);
    expect(where(issues)).toEqual([[`Bundle.entry[${added}].fullUrl`]]);
    expect(issues[0].diagnostics).toMatch(/is also entry 3's/);
  });

  test('versions of one resource (different meta.versionId) may share it; a history bundle may too', () => {
    const versions: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: ['1', '2'].map((versionId) => ({
        fullUrl: 'urn:uuid:a',
        resource: { resourceType: 'Basic', meta: { versionId } } as never,
      })),
    };
    expect(duplicateFullUrls(versions)).toEqual([]);
    (versions.entry![1].resource!.meta as { versionId: string }).versionId = '1';
    expect(where(duplicateFullUrls(versions))).toEqual([['Bundle.entry[1].fullUrl']]);
    expect(duplicateFullUrls({ ...versions, type: 'history' })).toEqual([]);
  });
});

describe('references that must resolve', () => {
  test("the contract examples are whole: the meldeplikt's consent names the kommune without carrying it, and may", () => {
    for (const name of EXAMPLES) expect(dangling(contractExample(name))).toEqual([]);
  });

  test('Task.requester and Consent.patient naming nothing are refused at their reference', () => {
    const b = contractExample('meldeplikt');
    entryById(b, 'melding').requester = { reference: 'Practitioner/nobody' };
    const consent = b.entry![5].resource as Consent;
    consent.patient = { reference: 'urn:uuid:nobody' };
    expect(where(dangling(b))).toEqual([
      ['Bundle.entry[1].resource.requester.reference'],
      ['Bundle.entry[5].resource.patient.reference'],
    ]);
  });

  test('a logical reference (identifier only) is not dangling; a relative one resolving by Type/id is not either', () => {
    const b = contractExample('meldeplikt');
    entryById(b, 'melding').requester = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144900' } };
    (b.entry![5].resource as Consent).patient = { reference: 'Patient/pas' };
    expect(dangling(b)).toEqual([]);
  });

  test("a taushetsplikt-fritak's actors must resolve, in nested provisions too; the melding-samtykke's need not", () => {
    const b = contractExample('ip-plan-copy');
    const fritak = entryById<Consent>(b, 'fritak');
    fritak.provision!.actor![1].reference = { reference: 'urn:uuid:nobody' };
    const role = { text: 'mottaker' };
    const byIdentifier = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '974760673' } };
    const nobody = { reference: 'Organization/nobody' };
    fritak.provision!.provision = [
      {
        type: 'deny',
        actor: [
          { role, reference: nobody },
          { role, reference: byIdentifier },
        ],
      },
    ];
    expect(where(dangling(b))).toEqual([
      ['Bundle.entry[6].resource.provision.actor[1].reference.reference'],
      ['Bundle.entry[6].resource.provision.provision[0].actor[0].reference.reference'],
    ]);
    const m = contractExample('meldeplikt');
    (m.entry![5].resource as Consent).provision!.actor![0].reference = { reference: 'urn:uuid:nobody' };
    expect(dangling(m)).toEqual([]);
  });

  test('odd shapes give no exception', () => {
    const b = contractExample('ip-plan-copy');
    const fritak = entryById(b, 'fritak');
    fritak.provision = { actor: 5, provision: [null, { actor: [null, {}] }] };
    fritak.category = [null, { coding: 7 }];
    expect(() => dangling(b)).not.toThrow();
    const odd = { resourceType: 'Bundle', type: 'collection', entry: [null, 5, { fullUrl: 3 }] } as never;
    expect(() => duplicateFullUrls(odd)).not.toThrow();
  });
});
