import { OutcomeError } from '@ipbro/outcome';
import type { Bundle } from '@medplum/fhirtypes';
import { readMessage, resolveReference } from './index';
import { contractExample } from './test-support/fixtures';

describe('readMessage on the contract examples', () => {
  test('meldeplikt: sender, author, focus Task, patient and home kommune', () => {
    const v = readMessage(contractExample('meldeplikt'));
    expect(v.messageId).toBe('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
    expect(v.event).toBe('meldeplikt');
    expect(v.senderIds).toEqual({ orgnr: '997005562', herId: '8094512' });
    expect(v.author?.resource.id).toBe('lege');
    expect(v.focus.map((f) => f.resource.resourceType)).toEqual(['Task']);
    expect(v.patient?.index).toBe(2);
    expect(v.homeKommune).toBe('1508');
    expect(v.destination).toBeUndefined();
  });

  test('ip-plan-copy: destination by receiver and endpoint', () => {
    const v = readMessage(contractExample('ip-plan-copy'));
    expect(v.event).toBe('ip-plan-copy');
    expect(v.senderIds.orgnr).toBe('942953119');
    expect(v.focus[0].resource.resourceType).toBe('CarePlan');
    expect(v.patient?.resource.id).toBe('pas');
    expect(v.destination).toMatchObject({ endpoint: 'urn:oid:2.16.578.1.12.4.1.4.101:997005562', orgnr: '997005562', herId: '8094512' });
  });

  test('epikrise: patient from DocumentReference.subject', () => {
    const v = readMessage(contractExample('epikrise'));
    expect(v.focus[0].resource.resourceType).toBe('DocumentReference');
    expect(v.homeKommune).toBe('1508');
  });

  test('receipt: the response names our message id', () => {
    const v = readMessage(contractExample('receipt-ok'));
    expect(v.response).toEqual({ identifier: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', code: 'ok' });
    expect(v.senderIds.orgnr).toBe('942953119');
    expect(v.focus).toEqual([]);
  });
});

describe('readMessage refuses what is not a message', () => {
  test.each([
    [{ resourceType: 'Patient' }, 'Bundle'],
    [{ resourceType: 'Bundle', type: 'collection', entry: [] }, 'Bundle.type'],
    [{ resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'Patient' } }] }, 'Bundle.entry[0].resource'],
  ])('%j → 400 at %s', (input, expression) => {
    try {
      readMessage(input as Bundle);
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(OutcomeError);
      expect((err as OutcomeError).status).toBe(400);
      expect((err as OutcomeError).outcome.issue?.[0].expression).toEqual([expression]);
    }
  });

  test('a patient without a municipality code has no home kommune', () => {
    const b = contractExample('meldeplikt');
    const patient = b.entry?.[2].resource as { address?: unknown[] };
    patient.address = [{ use: 'home', city: 'Ålesund' }];
    expect(readMessage(b).homeKommune).toBeUndefined();
  });
});

describe('resolveReference', () => {
  test('by fullUrl and by Type/id', () => {
    const b = contractExample('ip-plan-copy');
    expect(resolveReference(b, 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217')?.resource.id).toBe('pas');
    expect(resolveReference(b, { reference: 'Organization/hmr' })?.resource.resourceType).toBe('Organization');
    expect(resolveReference(b, 'urn:uuid:00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(resolveReference(b, undefined)).toBeUndefined();
  });
});
