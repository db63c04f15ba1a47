import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import { badRequest } from '@ipbro/outcome';
import type { Bundle, MessageHeader, Organization, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import { entriesOfType, resolveReference, type Located } from './resolve-reference';
import { homeKommuneOf, organizationIds } from './patient-facts';

export interface MessageDestination {
  endpoint?: string;
  orgnr?: string;
  herId?: string;
  receiver?: Located<Organization>;
}

export interface MessageView {
  bundle: Bundle;
  header: MessageHeader;
  headerIndex: number;
  messageId: string | undefined;
  /** The event code as sent; may be one we do not know. */
  event: string | undefined;
  sender?: Located<Organization>;
  senderIds: { orgnr?: string; herId?: string };
  author?: Located<Practitioner>;
  focus: Located[];
  patient?: Located<Patient>;
  homeKommune?: string;
  destination?: MessageDestination;
  /** Present on a receipt: the message it answers and how. */
  response?: { identifier: string; code: string };
}

/** Reads an endpoint like `urn:oid:2.16.578.1.12.4.1.4.101:997005562` (orgnr) or `…4.1.2:8094512` (HER-id). */
function idsFromEndpoint(endpoint: string | undefined): { orgnr?: string; herId?: string } {
  if (!endpoint) return {};
  if (endpoint.startsWith(`${IDENTIFIER_SYSTEMS.organisasjonsnummer}:`)) return { orgnr: endpoint.slice(IDENTIFIER_SYSTEMS.organisasjonsnummer.length + 1) };
  if (endpoint.startsWith(`${IDENTIFIER_SYSTEMS.herId}:`)) return { herId: endpoint.slice(IDENTIFIER_SYSTEMS.herId.length + 1) };
  return {};
}

function subjectOf(resource: Resource): Reference | undefined {
  const r = resource as { for?: Reference; subject?: Reference; patient?: Reference };
  return r.for ?? r.subject ?? r.patient;
}

/**
 * A typed view of a FHIR message bundle. Throws a 400 OutcomeError when the input is not a
 * Bundle of type message whose first entry is a MessageHeader; everything else is left to validation.
 */
export function readMessage(bundle: Bundle): MessageView {
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw badRequest('Expected a FHIR Bundle of type message', 'Bundle');
  }
  if (bundle.type !== 'message') {
    throw badRequest(`Expected Bundle.type "message", got ${JSON.stringify(bundle.type ?? null)}`, 'Bundle.type');
  }
  const header = Array.isArray(bundle.entry) ? bundle.entry[0]?.resource : undefined;
  if (!header || header.resourceType !== 'MessageHeader') {
    throw badRequest('The first entry of a FHIR message must be its MessageHeader', 'Bundle.entry[0].resource');
  }
  const view: MessageView = {
    bundle,
    header,
    headerIndex: 0,
    messageId: typeof header.id === 'string' ? header.id : undefined,
    event: typeof header.eventCoding?.code === 'string' ? header.eventCoding.code : undefined,
    senderIds: {},
    focus: [],
  };
  view.sender = resolveReference<Organization>(bundle, header.sender);
  if (view.sender?.resource.resourceType === 'Organization') view.senderIds = organizationIds(view.sender.resource);
  else view.sender = undefined;
  const author = resolveReference<Practitioner>(bundle, header.author);
  if (author?.resource.resourceType === 'Practitioner') view.author = author;
  for (const f of Array.isArray(header.focus) ? header.focus : []) {
    const located = resolveReference(bundle, f);
    if (located) view.focus.push(located);
  }
  let patient: Located<Patient> | undefined;
  for (const f of view.focus) {
    const p = resolveReference<Patient>(bundle, subjectOf(f.resource));
    if (p?.resource.resourceType === 'Patient') {
      patient = p;
      break;
    }
  }
  if (!patient) {
    const patients = entriesOfType<Patient>(bundle, 'Patient');
    if (patients.length === 1) patient = patients[0];
  }
  if (patient) {
    view.patient = patient;
    view.homeKommune = homeKommuneOf(patient.resource)?.kommunenummer;
  }
  const dest = Array.isArray(header.destination) ? header.destination[0] : undefined;
  if (dest) {
    const destination: MessageDestination = { endpoint: dest.endpoint, ...idsFromEndpoint(dest.endpoint) };
    const receiver = resolveReference<Organization>(bundle, dest.receiver);
    if (receiver?.resource.resourceType === 'Organization') {
      destination.receiver = receiver;
      Object.assign(destination, organizationIds(receiver.resource));
    }
    view.destination = destination;
  }
  if (header.response && typeof header.response.identifier === 'string') {
    view.response = { identifier: header.response.identifier, code: String(header.response.code) };
  }
  return view;
}
