import type { Resource } from '@medplum/fhirtypes';
import { selectProfile } from './profile-selection';

const IP = 'http://ipbro.no/fhir/';

describe('which IP profile a resource must meet', () => {
  test('meta.profile wins', () => {
    expect(
      selectProfile(
        { resourceType: 'CareTeam', meta: { profile: [`${IP}StructureDefinition/ip-careteam`] } } as Resource,
        false
      )
    ).toBe('ip-careteam');
  });

  test('by content: an A02-2 CarePlan, a meldeplikt Task, an A03-2 DocumentReference, a MessageHeader with our event', () => {
    expect(
      selectProfile(
        {
          resourceType: 'CarePlan',
          category: [{ coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }] }],
        } as Resource,
        false
      )
    ).toBe('ip-careplan');
    expect(
      selectProfile(
        {
          resourceType: 'Task',
          code: { coding: [{ system: `${IP}CodeSystem/ip-message-event`, code: 'meldeplikt' }] },
        } as Resource,
        false
      )
    ).toBe('ip-meldeplikt-task');
    expect(
      selectProfile(
        {
          resourceType: 'DocumentReference',
          type: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A03-2' }] },
        } as Resource,
        false
      )
    ).toBe('ip-epikrise-documentreference');
    expect(
      selectProfile(
        {
          resourceType: 'MessageHeader',
          eventCoding: { system: `${IP}CodeSystem/ip-message-event`, code: 'epikrise' },
        } as Resource,
        false
      )
    ).toBe('ip-message-header');
  });

  test('CareTeam, Goal and Consent take their IP profile inside an IP bundle, base R4 outside one', () => {
    for (const resourceType of ['CareTeam', 'Goal', 'Consent'] as const) {
      expect(selectProfile({ resourceType } as Resource, true)).toBe(`ip-${resourceType.toLowerCase()}`);
      expect(selectProfile({ resourceType } as Resource, false)).toBeUndefined();
    }
  });

  test('an ordinary CarePlan, another document type, a Patient: base R4 only', () => {
    expect(selectProfile({ resourceType: 'CarePlan', category: [{ text: 'x' }] } as Resource, true)).toBeUndefined();
    expect(
      selectProfile(
        {
          resourceType: 'DocumentReference',
          type: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }] },
        } as Resource,
        true
      )
    ).toBeUndefined();
    expect(selectProfile({ resourceType: 'Patient' } as Resource, true)).toBeUndefined();
  });
});
