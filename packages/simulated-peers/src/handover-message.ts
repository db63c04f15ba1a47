import type { Bundle, CareTeam, MessageHeader } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';

const EVENT_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-message-event';
const ROLE_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const HPR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.4';

/**
 * A koordinator-handover built from a plan copy (the contract's, normally): sent by the hospital that
 * the plan copy went to (its `destination.receiver`), whose doctor, the midlertidig-koordinator, hands
 * the plan to the kommune's koordinator. No destination: it goes to the home kommune's koordinerende enhet.
 */
export function buildHandover(planCopy: Bundle, receiptEndpoint?: string): Bundle {
  const bundle = structuredClone(planCopy);
  const header = bundle.entry![0].resource as MessageHeader;
  const hospitalUrl = header.destination?.[0]?.receiver?.reference;
  const hospital = bundle.entry!.find((e) => e.fullUrl === hospitalUrl && e.resource?.resourceType === 'Organization');
  const team = bundle.entry!.find((e) => e.resource?.resourceType === 'CareTeam')?.resource as CareTeam | undefined;
  if (!hospital || !team)
    throw new Error('The plan copy names no hospital receiver in the bundle, or carries no CareTeam');
  const doctorUrl = `urn:uuid:${randomUUID()}`;
  bundle.id = randomUUID();
  bundle.timestamp = new Date().toISOString();
  header.id = randomUUID();
  header.eventCoding = { system: EVENT_SYSTEM, code: 'koordinator-handover' };
  header.sender = { reference: hospitalUrl };
  header.author = { reference: doctorUrl };
  header.source = { name: 'DIPS Arena (simulert)', endpoint: receiptEndpoint ?? 'http://hmr.example.test/fhir' };
  delete header.destination;
  bundle.entry!.push({
    fullUrl: doctorUrl,
    resource: {
      resourceType: 'Practitioner',
      identifier: [{ system: HPR_SYSTEM, value: '9144900' }],
      name: [{ family: 'Lien', given: ['Kari'] }],
    },
  });
  team.participant = [
    ...(team.participant ?? []),
    {
      role: [{ coding: [{ system: ROLE_SYSTEM, code: 'midlertidig-koordinator' }] }],
      member: { reference: doctorUrl },
      onBehalfOf: { reference: hospitalUrl },
    },
  ];
  return bundle;
}
