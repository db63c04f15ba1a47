import { OutcomeError } from '@ipbro/outcome';
import type { Bundle, MessageHeader, Patient, Task } from '@medplum/fhirtypes';
import { isMessageEvent } from './events';
import { readMessage } from './message-view';
import { contractExample, contractExampleNames } from './test-support/fixtures';

const header = (b: Bundle): MessageHeader => b.entry![0].resource as MessageHeader;

/** The 400 a non-message gets, with where it is wrong. */
function refusal(input: unknown): { status: number; expression?: string[] } {
  try {
    readMessage(input as Bundle);
  } catch (err) {
    expect(err).toBeInstanceOf(OutcomeError);
    const e = err as OutcomeError;
    expect(e.outcome.issue?.[0].severity).toBe('error');
    return { status: e.status, expression: e.outcome.issue?.[0].expression };
  }
  throw new Error('expected a refusal');
}

describe('readMessage on every contract example', () => {
  test('there are examples, and each reads with its header, a known event and a sender', () => {
    const names = contractExampleNames();
    expect(names).toEqual(
      expect.arrayContaining(['epikrise', 'ip-plan-copy', 'meldeplikt', 'meldeplikt-svar', 'receipt-ok'])
    );
    for (const name of names) {
      const b = contractExample(name);
      const v = readMessage(b);
      expect(v.bundle).toBe(b);
      expect(v.header).toBe(b.entry![0].resource);
      expect(v.headerIndex).toBe(0);
      expect(v.messageId).toBe(header(b).id);
      expect(isMessageEvent(v.event)).toBe(true);
      expect(v.sender?.resource.resourceType).toBe('Organization');
      expect(v.senderIds.orgnr).toMatch(/^\d{9}$/);
      for (const f of v.focus) expect(b.entry![f.index].resource).toBe(f.resource);
    }
  });

  test('meldeplikt: sender, author, focus Task, patient from Task.for, home kommune; no destination', () => {
    const v = readMessage(contractExample('meldeplikt'));
    expect(v.messageId).toBe('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
    expect(v.event).toBe('meldeplikt');
    expect(v.sender?.index).toBe(4);
    expect(v.senderIds).toEqual({ orgnr: '997005562', herId: '8094512' });
    expect(v.author).toMatchObject({ index: 3, resource: { resourceType: 'Practitioner', id: 'lege' } });
    expect(v.focus).toHaveLength(1);
    expect(v.focus[0]).toMatchObject({ index: 1, resource: { resourceType: 'Task', id: 'melding' } });
    expect(v.patient).toMatchObject({ index: 2, resource: { resourceType: 'Patient', id: 'pas' } });
    expect(v.homeKommune).toBe('1508');
    expect(v.destination).toBeUndefined();
    expect(v.response).toBeUndefined();
  });

  test('ip-plan-copy: focus CarePlan, patient from CarePlan.subject, destination named by its receiver', () => {
    const v = readMessage(contractExample('ip-plan-copy'));
    expect(v.event).toBe('ip-plan-copy');
    expect(v.senderIds).toEqual({ orgnr: '942953119', herId: '8110021' });
    expect(v.focus.map((f) => f.resource.resourceType)).toEqual(['CarePlan']);
    expect(v.patient?.resource.id).toBe('pas');
    expect(v.homeKommune).toBe('1508');
    expect(v.destination).toMatchObject({
      endpoint: 'http://hmr.example.test/fhir',
      orgnr: '997005562',
      herId: '8094512',
    });
    expect(v.destination?.receiver?.resource).toMatchObject({ resourceType: 'Organization', id: 'hmr' });
  });

  test('meldeplikt-svar: from the kommune, focus the answering Task, patient from Task.for, back to the hospital', () => {
    const v = readMessage(contractExample('meldeplikt-svar'));
    expect(v.event).toBe('meldeplikt-svar');
    expect(v.senderIds).toEqual({ orgnr: '942953119', herId: '8110021' });
    expect(v.author).toBeUndefined();
    expect(v.focus).toHaveLength(1);
    expect(v.focus[0]).toMatchObject({ index: 1, resource: { resourceType: 'Task', id: 'svar', status: 'completed' } });
    expect(v.patient).toMatchObject({ index: 2, resource: { resourceType: 'Patient', id: 'pas' } });
    expect(v.destination).toMatchObject({
      endpoint: 'http://hmr.example.test/fhir',
      orgnr: '997005562',
      herId: '8094512',
    });
    expect(v.response).toBeUndefined();
  });

  test('epikrise: focus DocumentReference, patient from its subject', () => {
    const v = readMessage(contractExample('epikrise'));
    expect(v.event).toBe('epikrise');
    expect(v.focus[0]).toMatchObject({ index: 1, resource: { resourceType: 'DocumentReference', id: 'epi' } });
    expect(v.patient?.index).toBe(2);
    expect(v.homeKommune).toBe('1508');
    expect(v.author?.resource.id).toBe('lege');
  });

  test('receipt: the response names the message it answers; no focus, patient or author', () => {
    const v = readMessage(contractExample('receipt-ok'));
    expect(v.response).toEqual({ identifier: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', code: 'ok' });
    expect(v.senderIds).toEqual({ orgnr: '942953119', herId: '8110021' });
    expect(v.focus).toEqual([]);
    expect(v.patient).toBeUndefined();
    expect(v.author).toBeUndefined();
  });
});

describe('readMessage on broken variants: read what is there, leave the judging to validation', () => {
  test('an unknown event is read as sent', () => {
    const b = contractExample('meldeplikt');
    header(b).eventCoding = { system: 'http://example.test', code: 'tull' };
    expect(readMessage(b).event).toBe('tull');
    delete (header(b) as { eventCoding?: unknown }).eventCoding;
    expect(readMessage(b).event).toBeUndefined();
  });

  test('no id, no message id', () => {
    const b = contractExample('meldeplikt');
    delete header(b).id;
    expect(readMessage(b).messageId).toBeUndefined();
  });

  test('dangling sender, author and focus references read as absent', () => {
    const b = contractExample('epikrise');
    header(b).sender = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    header(b).author = { reference: 'Practitioner/nobody' };
    header(b).focus = [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' }];
    const v = readMessage(b);
    expect(v.sender).toBeUndefined();
    expect(v.senderIds).toEqual({});
    expect(v.author).toBeUndefined();
    expect(v.focus).toEqual([]);
    expect(v.patient?.resource.id).toBe('pas'); // the only Patient in the bundle
  });

  test('a sender or author reference to the wrong type is not taken', () => {
    const b = contractExample('meldeplikt');
    header(b).sender = { reference: 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217' }; // the Patient
    header(b).author = { reference: 'urn:uuid:21c3ea6c-a934-5202-8088-75917ebed2e6' }; // the Organization
    const v = readMessage(b);
    expect(v.sender).toBeUndefined();
    expect(v.author).toBeUndefined();
  });

  test('a sender named by identifier only gives its ids', () => {
    const b = contractExample('receipt-ok');
    header(b).sender = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' } };
    const v = readMessage(b);
    expect(v.sender).toBeUndefined();
    expect(v.senderIds).toEqual({ orgnr: '942953119' });
  });

  test("the focus's subject wins over other Patients; with two Patients and no subject, no patient", () => {
    const b = contractExample('meldeplikt');
    const other: Patient = {
      resourceType: 'Patient',
      id: 'other',
      address: [
        {
          use: 'home',
          _district: {
            extension: [
              {
                url: 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode',
                valueCoding: { code: '0301' },
              },
            ],
          },
        } as never,
      ],
    };
    b.entry!.splice(1, 0, { fullUrl: 'urn:uuid:11111111-2222-4333-8444-555555555555', resource: other });
    let v = readMessage(b);
    expect(v.patient?.resource.id).toBe('pas');
    expect(v.homeKommune).toBe('1508');
    delete (v.focus[0].resource as Task).for;
    v = readMessage(b);
    expect(v.patient).toBeUndefined();
    expect(v.homeKommune).toBeUndefined();
  });

  test('a patient without the municipality code has no home kommune', () => {
    const b = contractExample('meldeplikt');
    (b.entry![2].resource as Patient).address = [{ use: 'home', city: 'Ålesund' }];
    const v = readMessage(b);
    expect(v.patient?.resource.id).toBe('pas');
    expect(v.homeKommune).toBeUndefined();
  });

  test('a destination by a HER-id endpoint in the former urn:oid form (read on input), or by a logical receiver', () => {
    const b = contractExample('meldeplikt');
    header(b).destination = [{ endpoint: 'urn:oid:2.16.578.1.12.4.1.2:8110021' }];
    expect(readMessage(b).destination).toEqual({ endpoint: 'urn:oid:2.16.578.1.12.4.1.2:8110021', herId: '8110021' });
    header(b).destination = [
      {
        endpoint: 'http://alesund.example.test/ke',
        receiver: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '942953119' } },
      },
    ];
    expect(readMessage(b).destination).toEqual({ endpoint: 'http://alesund.example.test/ke', orgnr: '942953119' });
  });

  test("the receiver's own identifiers win over those of an endpoint in the former urn:oid form", () => {
    const b = contractExample('ip-plan-copy');
    header(b).destination![0].endpoint = 'urn:oid:2.16.578.1.12.4.1.4.101:942953119';
    expect(readMessage(b).destination).toMatchObject({ orgnr: '997005562', herId: '8094512' });
  });

  test('a receipt without a code reads with an empty code; without an identifier it is no receipt', () => {
    const b = contractExample('receipt-ok');
    delete (header(b).response as { code?: string }).code;
    expect(readMessage(b).response).toEqual({ identifier: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', code: '' });
    delete (header(b).response as { identifier?: string }).identifier;
    expect(readMessage(b).response).toBeUndefined();
  });

  test('Type/id references between entries are resolved as well as urn:uuid ones', () => {
    const b = contractExample('meldeplikt');
    header(b).sender = { reference: 'Organization/hmr' };
    header(b).focus = [{ reference: 'Task/melding' }];
    (b.entry![1].resource as Task).for = { reference: 'Patient/pas' };
    const v = readMessage(b);
    expect(v.senderIds.orgnr).toBe('997005562');
    expect(v.focus[0].resource.id).toBe('melding');
    expect(v.patient?.index).toBe(2);
  });
});

describe('readMessage refuses what is not a FHIR message (400, with where)', () => {
  test.each([
    ['null', null, 'Bundle'],
    ['an array', [], 'Bundle'],
    ['a string', 'Bundle', 'Bundle'],
    ['a Patient', { resourceType: 'Patient' }, 'Bundle'],
    ['a collection', { resourceType: 'Bundle', type: 'collection', entry: [] }, 'Bundle.type'],
    ['a Bundle without type', { resourceType: 'Bundle' }, 'Bundle.type'],
    ['a message without entries', { resourceType: 'Bundle', type: 'message' }, 'Bundle.entry'],
    ['a message with no entry', { resourceType: 'Bundle', type: 'message', entry: [] }, 'Bundle.entry'],
    [
      'a message whose first entry is no MessageHeader',
      { resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'Patient' } }] },
      'Bundle.entry[0].resource',
    ],
    [
      'a message whose first entry has no resource',
      { resourceType: 'Bundle', type: 'message', entry: [{ fullUrl: 'urn:uuid:x' }] },
      'Bundle.entry[0].resource',
    ],
  ])('%s', (_what, input, expression) => {
    expect(refusal(input)).toEqual({ status: 400, expression: [expression] });
  });

  test('a contract example with its header moved off entry 0', () => {
    const b = contractExample('epikrise');
    b.entry!.push(b.entry!.shift()!);
    expect(refusal(b)).toEqual({ status: 400, expression: ['Bundle.entry[0].resource'] });
  });
});
