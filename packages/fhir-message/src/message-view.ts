import { badRequest } from '@ipbro/outcome';
import type {
  Bundle,
  MessageHeader,
  Organization,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { homeKommuneOf } from './home-kommune';
import {
  endpointOrganizationIds,
  organizationIds,
  referencedOrganizationIds,
  type OrganizationIds,
} from './organization-ids';
import { entriesOfType, resolveReference, type Located } from './resolve-reference';

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
  /** MessageHeader.id: the message id, unique per sender (the deduplication key). */
  messageId: string | undefined;
  /** The event code as sent; may be one we do not know (see isMessageEvent). */
  event: string | undefined;
  /** The sending Organization when the bundle carries it. */
  sender?: Located<Organization>;
  /** Its orgnr and HER-id; from a logical reference (`sender.identifier`) when the Organization is not in the bundle. */
  senderIds: OrganizationIds;
  author?: Located<Practitioner>;
  /** The focus resources found in the bundle, in MessageHeader.focus order. */
  focus: Located[];
  patient?: Located<Patient>;
  /** The patient's home kommunenummer (see homeKommuneOf), as sent. */
  homeKommune?: string;
  /** The first MessageHeader.destination, with the recipient's orgnr/HER-id from its receiver or endpoint. */
  destination?: MessageDestination;
  /** Present on a receipt: the message it answers and how. */
  response?: { identifier: string; code: 'ok' | 'transient-error' | 'fatal-error' | string };
}

/** The Patient a focus resource is about: Task.for, CarePlan/DocumentReference.subject, Consent.patient. */
function subjectOf(resource: Resource): Reference | undefined {
  const r = resource as { for?: Reference; subject?: Reference; patient?: Reference };
  return r.for ?? r.subject ?? r.patient;
}

function located<T extends Resource>(
  bundle: Bundle,
  reference: Reference | undefined,
  type: T['resourceType']
): Located<T> | undefined {
  const found = resolveReference<T>(bundle, reference);
  return found?.resource.resourceType === type ? found : undefined;
}

function patientOf(bundle: Bundle, focus: Located[]): Located<Patient> | undefined {
  for (const f of focus) {
    const patient = located<Patient>(bundle, subjectOf(f.resource), 'Patient');
    if (patient) return patient;
  }
  // No focus names one in the bundle: the only Patient is the message's; with two, nobody can tell.
  const patients = entriesOfType<Patient>(bundle, 'Patient');
  return patients.length === 1 ? patients[0] : undefined;
}

function destinationOf(bundle: Bundle, header: MessageHeader): MessageDestination | undefined {
  const dest = Array.isArray(header.destination) ? header.destination[0] : undefined;
  if (!dest || typeof dest !== 'object') return undefined;
  const endpoint = typeof dest.endpoint === 'string' ? dest.endpoint : undefined;
  const destination: MessageDestination = {};
  if (endpoint !== undefined) destination.endpoint = endpoint;
  // The receiver names the organisation more surely than an endpoint does: its ids win.
  const receiver = located<Organization>(bundle, dest.receiver, 'Organization');
  if (receiver) destination.receiver = receiver;
  Object.assign(
    destination,
    endpointOrganizationIds(endpoint),
    referencedOrganizationIds(dest.receiver),
    receiver ? organizationIds(receiver.resource) : {}
  );
  return destination;
}

/**
 * A typed view of a FHIR message bundle. Throws a 400 OutcomeError when the input is not a
 * Bundle of type message whose first entry is a MessageHeader; everything else (unknown events,
 * dangling references, missing patient) is left for validation to report, and reads as undefined here.
 */
export function readMessage(bundle: Bundle): MessageView {
  if (!bundle || typeof bundle !== 'object' || Array.isArray(bundle) || bundle.resourceType !== 'Bundle') {
    throw badRequest('Expected a FHIR Bundle of type message', 'Bundle');
  }
  if (bundle.type !== 'message') {
    throw badRequest(`Expected Bundle.type "message", got ${JSON.stringify(bundle.type ?? null)}`, 'Bundle.type');
  }
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0) {
    throw badRequest('A FHIR message has entries, the first its MessageHeader', 'Bundle.entry');
  }
  const header = bundle.entry[0]?.resource;
  if (!header || header.resourceType !== 'MessageHeader') {
    throw badRequest('The first entry of a FHIR message must be its MessageHeader', 'Bundle.entry[0].resource');
  }
  const sender = located<Organization>(bundle, header.sender, 'Organization');
  const focus: Located[] = [];
  for (const f of Array.isArray(header.focus) ? header.focus : []) {
    const found = resolveReference(bundle, f);
    if (found) focus.push(found);
  }
  const view: MessageView = {
    bundle,
    header,
    headerIndex: 0,
    messageId: typeof header.id === 'string' && header.id.length > 0 ? header.id : undefined,
    event: typeof header.eventCoding?.code === 'string' ? header.eventCoding.code : undefined,
    senderIds: sender ? organizationIds(sender.resource) : referencedOrganizationIds(header.sender),
    focus,
  };
  if (sender) view.sender = sender;
  const author = located<Practitioner>(bundle, header.author, 'Practitioner');
  if (author) view.author = author;
  const patient = patientOf(bundle, focus);
  if (patient) {
    view.patient = patient;
    const home = homeKommuneOf(patient.resource);
    if (home) view.homeKommune = home.kommunenummer;
  }
  const destination = destinationOf(bundle, header);
  if (destination) view.destination = destination;
  const response = header.response;
  if (response && typeof response.identifier === 'string') {
    view.response = { identifier: response.identifier, code: typeof response.code === 'string' ? response.code : '' };
  }
  return view;
}
