import { IPBRO_BASE, PROFILE_IDS, profileUrl } from './profile-ids';

test('profile URLs sit under the contract’s canonical base', () => {
  expect(IPBRO_BASE).toBe('http://ipbro.no/fhir');
  expect(profileUrl(PROFILE_IDS.carePlan)).toBe('http://ipbro.no/fhir/StructureDefinition/ip-careplan');
  expect(Object.values(PROFILE_IDS)).toEqual([
    'ip-careplan',
    'ip-careteam',
    'ip-goal',
    'ip-consent',
    'ip-meldeplikt-task',
    'ip-message-header',
    'ip-epikrise-documentreference',
  ]);
});
