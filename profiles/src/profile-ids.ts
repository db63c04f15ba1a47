/** IP-bro's canonical base (CONTRACT.md): profiles, code systems and value sets live under it. */
export const IPBRO_BASE = 'http://ipbro.no/fhir';

/** The ids of IP-bro's profiles (docs/fhir-mapping.md); the canonical URL is `profileUrl(id)`. */
export const PROFILE_IDS = {
  carePlan: 'ip-careplan',
  careTeam: 'ip-careteam',
  goal: 'ip-goal',
  consent: 'ip-consent',
  meldepliktTask: 'ip-meldeplikt-task',
  messageHeader: 'ip-message-header',
  epikrise: 'ip-epikrise-documentreference',
} as const;

/** `http://ipbro.no/fhir/StructureDefinition/<id>`, for profiles and extensions alike. */
export function profileUrl(id: string): string {
  return `${IPBRO_BASE}/StructureDefinition/${id}`;
}
