import { CODE_SYSTEMS, DOCUMENT_TYPE_SYSTEM } from '@ipbro/fhir-message';
import { PROFILE_IDS, profileUrl } from '@ipbro/profiles';
import type { CodeableConcept, Resource } from '@medplum/fhirtypes';
import type { ProfileId } from './fhir-definitions';

const hasCoding = (concepts: CodeableConcept[] | CodeableConcept | undefined, system: string, code?: string): boolean =>
  (Array.isArray(concepts) ? concepts : concepts ? [concepts] : []).some((c) =>
    (c?.coding ?? []).some((cd) => cd?.system === system && (code === undefined || cd.code === code))
  );

const BY_URL = new Map<string, ProfileId>(Object.values(PROFILE_IDS).map((id) => [profileUrl(id), id]));

/**
 * Which of our profiles a resource must meet: the one its meta.profile names, else the one its
 * content claims (an A02-2 CarePlan is an individuell plan; a Task coded meldeplikt is a meldeplikt …),
 * else, inside an IP bundle, the IP profile of its type. Undefined: base R4 only.
 */
export function selectProfile(resource: Resource, inIpBundle: boolean): ProfileId | undefined {
  try {
    return profileFor(resource, inIpBundle);
  } catch {
    // Content whose shape is not FHIR's (a category that is a number …): base R4 will say what is wrong.
    return undefined;
  }
}

function profileFor(resource: Resource, inIpBundle: boolean): ProfileId | undefined {
  for (const url of resource.meta?.profile ?? []) {
    const id = BY_URL.get(url);
    if (id) return id;
  }
  switch (resource.resourceType) {
    case 'CarePlan':
      return hasCoding(resource.category, DOCUMENT_TYPE_SYSTEM, 'A02-2') ? PROFILE_IDS.carePlan : undefined;
    case 'CareTeam':
      return inIpBundle || (resource.participant ?? []).some((p) => hasCoding(p?.role, CODE_SYSTEMS.careTeamRole))
        ? PROFILE_IDS.careTeam
        : undefined;
    case 'Goal':
      return inIpBundle || hasCoding(resource.category, CODE_SYSTEMS.lifeArea) ? PROFILE_IDS.goal : undefined;
    case 'Consent':
      return inIpBundle || hasCoding(resource.category, CODE_SYSTEMS.consentCategory) ? PROFILE_IDS.consent : undefined;
    case 'Task':
      return hasCoding(resource.code, CODE_SYSTEMS.messageEvent, 'meldeplikt') ? PROFILE_IDS.meldepliktTask : undefined;
    case 'MessageHeader':
      return resource.eventCoding?.system === CODE_SYSTEMS.messageEvent ? PROFILE_IDS.messageHeader : undefined;
    case 'DocumentReference':
      return hasCoding(resource.type, DOCUMENT_TYPE_SYSTEM, 'A03-2') ? PROFILE_IDS.epikrise : undefined;
    default:
      return undefined;
  }
}

export { hasCoding };
