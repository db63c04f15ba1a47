import { CODE_SYSTEMS, DOCUMENT_TYPE_SYSTEM, IPBRO_BASE } from './code-systems';
import { isMessageEvent, MESSAGE_EVENTS } from './events';

describe('message events', () => {
  test('the five events of the contract', () => {
    expect([...MESSAGE_EVENTS]).toEqual([
      'meldeplikt',
      'meldeplikt-svar',
      'ip-plan-copy',
      'koordinator-handover',
      'epikrise',
    ]);
    for (const e of MESSAGE_EVENTS) expect(isMessageEvent(e)).toBe(true);
  });
  test('anything else is not an event', () => {
    for (const e of ['Meldeplikt', 'ip-plan', '', ' meldeplikt', undefined, null, 1, {}, ['meldeplikt']])
      expect(isMessageEvent(e)).toBe(false);
  });
  test('the list cannot be changed by a caller', () => {
    expect(() => (MESSAGE_EVENTS as MessageEventList).push('x')).toThrow(TypeError);
  });
});

type MessageEventList = string[];

describe('code systems', () => {
  test('canonical URLs under the IP-bro base', () => {
    expect(IPBRO_BASE).toBe('http://ipbro.no/fhir');
    expect(CODE_SYSTEMS).toEqual({
      messageEvent: 'http://ipbro.no/fhir/CodeSystem/ip-message-event',
      need: 'http://ipbro.no/fhir/CodeSystem/ip-need',
      careTeamRole: 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role',
      consentCategory: 'http://ipbro.no/fhir/CodeSystem/ip-consent-category',
      lifeArea: 'http://ipbro.no/fhir/CodeSystem/ip-life-area',
      planReview: 'http://ipbro.no/fhir/CodeSystem/ip-plan-review',
      consenterRole: 'http://ipbro.no/fhir/CodeSystem/ip-consenter-role',
      assessmentKind: 'http://ipbro.no/fhir/CodeSystem/ip-assessment-kind',
    });
    expect(DOCUMENT_TYPE_SYSTEM).toBe('urn:oid:2.16.578.1.12.4.1.1.9602');
  });
});
