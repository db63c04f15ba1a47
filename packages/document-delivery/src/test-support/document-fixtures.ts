import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  Consent,
  DocumentReference,
  MessageHeader,
  Patient,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The contract's worked messages, and variations of them for tests (fresh ids, other people, a
// handover built from the plan copy). Every person number is synthetic (month + 80, valid check digits).
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract');
export const PLAN_COPY_TEXT = readFileSync(join(FIXTURES, 'ip-plan-copy.json'), 'utf8');
export const EPIKRISE_TEXT = readFileSync(join(FIXTURES, 'epikrise.json'), 'utf8');
export const ORG = { hmr: '997005562', alesund: '942953119', molde: '944305823' } as const;
const HMR_URL = 'urn:uuid:21c3ea6c-a934-5202-8088-75917ebed2e6';
const PATIENT_URL = 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217';

export const headerOf = (b: Bundle) => b.entry![0].resource as MessageHeader;
export const byId = <T>(b: Bundle, id: string) => b.entry!.find((e) => e.resource?.id === id)!.resource as T;
export const planOf = (b: Bundle) => byId<CarePlan>(b, 'ip');
export const fritakOf = (b: Bundle) => byId<Consent>(b, 'fritak');

/** The example plan copy (Ålesund → Helse Møre og Romsdal), as it is, unless told otherwise. */
export function planCopy(
  options: {
    freshId?: boolean;
    to?: string;
    person?: string;
    planValue?: string;
    timestamp?: string;
    revision?: string;
  } = {}
): Bundle {
  const b = JSON.parse(PLAN_COPY_TEXT) as Bundle;
  if (options.freshId) headerOf(b).id = randomUUID();
  if (options.to) {
    // Named by receiver; the endpoint, a URL, reaches nobody (as the contract's example addresses).
    headerOf(b).destination = [
      {
        endpoint: `http://org-${options.to}.example.test/fhir`,
        receiver: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: options.to } },
      },
    ];
  }
  if (options.person) forPerson(b, options.person);
  if (options.planValue) planOf(b).identifier![0].value = options.planValue;
  if (options.timestamp) b.timestamp = options.timestamp;
  if (options.revision) {
    const review = planOf(b).activity!.find((a) => a.detail?.kind === 'Appointment')!;
    review.detail!.scheduledPeriod = { start: options.revision, end: options.revision };
    const period = planOf(b).period!;
    if (period.start && options.revision < period.start) period.start = options.revision; // the law keeps revisions inside the plan period
  }
  return b;
}

/** Another (synthetic) person: their own fødselsnummer in the Patient. */
export function forPerson(b: Bundle, fnr: string): Bundle {
  const patient = b.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
  patient.identifier![0].value = fnr;
  return b;
}

// Born in 2005: individual numbers 500–999. Random start, so concurrent test files rarely meet.
let nextIndividual = 500 + Math.floor(Math.random() * 450);
const handedOut = new Set<string>(['12830551210']);
/** A fresh synthetic fødselsnummer (born 2005-03-12, like the example person), never the same twice in a process. */
export function syntheticPerson(): string {
  for (;;) {
    const fnr = makeSyntheticFodselsnummer('2005-03-12', nextIndividual++);
    if (!handedOut.has(fnr)) {
      handedOut.add(fnr);
      return fnr;
    }
  }
}

/**
 * A koordinator-handover built from the plan copy: sent by Helse Møre og Romsdal, whose
 * midlertidig-koordinator (an HMR doctor) hands the plan to Ålesund's koordinator; no destination,
 * so it goes to the koordinerende enhet of the home kommune.
 */
export function handover(options: { person?: string } = {}): Bundle {
  const b = planCopy({ freshId: true, ...(options.person ? { person: options.person } : {}) });
  const header = headerOf(b);
  header.eventCoding = { system: 'http://ipbro.no/fhir/CodeSystem/ip-message-event', code: 'koordinator-handover' };
  header.sender = { reference: HMR_URL };
  header.source = { name: 'DIPS Arena', endpoint: 'http://hmr.example.test/fhir' };
  delete header.destination;
  const doctorUrl = 'urn:uuid:5e7fa22d-054e-5f0f-af31-0f8816808804';
  header.author = { reference: doctorUrl };
  b.entry!.push({
    fullUrl: doctorUrl,
    resource: {
      resourceType: 'Practitioner',
      id: 'lege',
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144900' }],
      name: [{ family: 'Lien', given: ['Kari'] }],
    },
  });
  const team = byId<CareTeam>(b, 'team');
  team.participant!.push({
    role: [
      { coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role', code: 'midlertidig-koordinator' }] },
    ],
    member: { reference: doctorUrl },
    onBehalfOf: { reference: HMR_URL },
  });
  return b;
}

/** The example epikrise (HMR → the home kommune's EHR), with a fresh id, optionally for another person or with a larger attachment. */
export function epikrise(
  options: { freshId?: boolean; person?: string; attachment?: Buffer; documentValue?: string } = {}
): Bundle {
  const b = JSON.parse(EPIKRISE_TEXT) as Bundle;
  if (options.freshId) headerOf(b).id = randomUUID();
  if (options.person) forPerson(b, options.person);
  const doc = b.entry!.find((e) => e.resource?.resourceType === 'DocumentReference')!.resource as DocumentReference;
  if (options.attachment) doc.content[0].attachment.data = options.attachment.toString('base64');
  if (options.documentValue) doc.identifier![0].value = options.documentValue;
  return b;
}

export const PATIENT_FULL_URL = PATIENT_URL;
