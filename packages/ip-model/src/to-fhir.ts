import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { careTeamFromDocument } from './careteam-mapping';
import { carePlanFromDocument } from './careplan-mapping';
import { consentToFhir } from './consent-mapping';
import { goalToFhir } from './goal-mapping';
import type { IpDocument, IpParticipant } from './ip-document';
import { toFhirContext } from './mapping-context';
import { mergeIdentity, partyResource, patientFromPerson } from './party-mapping';

const PARTY_ORDER = ['Practitioner', 'RelatedPerson', 'Organization'];

/**
 * IP document → FHIR R4 `collection` Bundle: the CarePlan is entry 0, then the Patient, the CareTeam,
 * the Goals, the Consents, Practitioners, RelatedPersons and Organizations. fullUrls are name-based
 * UUIDs of plan identifier and key (or the ones a received bundle used, kept in `fullUrls`), so the same
 * document always gives the same bundle; resources reference each other by them; ids are the keys.
 * The document is taken as valid (validateIpDocument).
 */
export function ipDocumentToFhir(doc: IpDocument): Bundle {
  const ctx = toFhirContext(doc);
  const entries: BundleEntry[] = [];
  const add = (resource: Resource & { id?: string }): void => {
    entries.push({ fullUrl: ctx.fullUrl(resource.id as string), resource });
  };
  add(carePlanFromDocument(doc, ctx));
  add(patientFromPerson(doc.person));
  add(careTeamFromDocument(doc, ctx));
  for (const g of doc.goals) add(goalToFhir(g, doc.person.key, ctx));
  for (const c of doc.consents) add(consentToFhir(c, doc.person.key, ctx));

  // One resource per participant key (someone with two roles is two rows), in the document's order within each type.
  const rowsByKey = new Map<string, IpParticipant[]>();
  for (const p of doc.participants) {
    if (p.kind === 'person') continue;
    rowsByKey.set(p.key, [...(rowsByKey.get(p.key) ?? []), p]);
  }
  const parties = [...rowsByKey.values()].map((rows) => partyResource(mergeIdentity(rows), doc.person.key, ctx));
  parties.sort((a, b) => PARTY_ORDER.indexOf(a.resourceType) - PARTY_ORDER.indexOf(b.resourceType));
  for (const party of parties) add(party);
  return { resourceType: 'Bundle', type: 'collection', entry: entries };
}
