import type {
  Bundle,
  BundleEntry,
  MessageHeader,
  Organization,
  Patient,
  Reference,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';

const EVENT_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-message-event';
const NEED_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-need';
const ROLE_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const ORGNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';

export interface SvarOptions {
  /** The kommunenummer of the answering kommune, and its organisasjonsnummer (the sender). */
  kommune: string;
  orgnr: string;
  /** completed (a koordinator named, the plan started) or rejected (with a reason). Default completed. */
  status?: 'completed' | 'rejected';
  /** The koordinator named (synthetic); default Ingrid Hansen. */
  koordinator?: { given: string; family: string; phone: string; email: string };
}

const DEFAULT_KOORDINATOR = {
  given: 'Ingrid',
  family: 'Hansen',
  phone: '+47 70 16 20 00',
  email: 'koordinator@kommune.example.test',
};

function resolve<T extends Resource>(
  bundle: Bundle,
  ref: Reference | undefined,
  type: T['resourceType']
): T | undefined {
  const found = bundle.entry?.find((e) => e.fullUrl === ref?.reference)?.resource;
  return found?.resourceType === type ? (found as T) : undefined;
}

/** What the meldeplikt asked for (Task.input typed from ip-need). */
function needsOf(task: Task | undefined): string[] {
  return (task?.input ?? [])
    .flatMap((i) => i.type?.coding ?? [])
    .filter((c) => c.system === NEED_SYSTEM)
    .map((c) => c.code as string);
}

/** The Task of a svar: the meldeplikt named by its message id; completed with what was arranged, or rejected with why. */
function svarTask(
  meldepliktId: string,
  needs: string[],
  o: SvarOptions,
  refs: { patient: string; kommune: string; role: string }
): Task {
  const rejected = o.status === 'rejected';
  const outputs: Task['output'] = [];
  if (!rejected && (needs.includes('koordinator') || needs.length === 0)) {
    outputs.push({
      type: { coding: [{ system: NEED_SYSTEM, code: 'koordinator' }] },
      valueReference: { reference: refs.role },
    });
  }
  if (!rejected && needs.includes('individuell-plan')) {
    const text = 'Oppstartsmøte for individuell plan avtales med pasienten; koordinator kaller inn (simulert).';
    outputs.push({ type: { coding: [{ system: NEED_SYSTEM, code: 'individuell-plan' }] }, valueString: text });
  }
  return {
    resourceType: 'Task',
    status: rejected ? 'rejected' : 'completed',
    intent: 'order',
    code: {
      coding: [
        {
          system: EVENT_SYSTEM,
          code: 'meldeplikt-svar',
          display: 'Svar på melding om behov for individuell plan og koordinator',
        },
      ],
    },
    basedOn: [{ type: 'Task', identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${meldepliktId}` } }],
    for: { reference: refs.patient },
    owner: { reference: refs.kommune },
    authoredOn: new Date().toISOString(),
    ...(rejected
      ? { statusReason: { text: 'Pasienten har takket nei til koordinator (simulert)' } }
      : { output: outputs }),
  };
}

/** The koordinator the svar names: a PractitionerRole with contacts, and the Practitioner with the name. */
function koordinatorEntries(
  k: NonNullable<SvarOptions['koordinator']>,
  refs: { role: string; person: string; kommune: string }
): BundleEntry[] {
  return [
    {
      fullUrl: refs.role,
      resource: {
        resourceType: 'PractitionerRole',
        practitioner: { reference: refs.person },
        organization: { reference: refs.kommune },
        code: [{ coding: [{ system: ROLE_SYSTEM, code: 'koordinator' }] }],
        telecom: [
          { system: 'phone', value: k.phone, use: 'work' },
          { system: 'email', value: k.email, use: 'work' },
        ],
      },
    },
    {
      fullUrl: refs.person,
      resource: { resourceType: 'Practitioner', name: [{ family: k.family, given: [k.given] }] },
    },
  ];
}

/**
 * The koordinerende enhet's answer to a meldeplikt it took, shaped as the contract's worked
 * meldeplikt-svar: a Task naming the meldeplikt by its MessageHeader.id, for the same Patient, with a
 * koordinator (a PractitionerRole with name and contacts) when the meldeplikt asked for one, addressed
 * to the meldeplikt's sender and its MessageHeader.source.endpoint.
 */
export function meldepliktSvarFor(meldeplikt: Bundle, o: SvarOptions): Bundle {
  const header = meldeplikt.entry?.[0]?.resource as MessageHeader;
  const focus = resolve<Task>(meldeplikt, header.focus?.[0], 'Task');
  const patient = resolve<Patient>(meldeplikt, focus?.for, 'Patient');
  const hospital = resolve<Organization>(meldeplikt, header.sender, 'Organization');
  if (!header.id || !patient || !hospital)
    throw new Error('not a meldeplikt: it needs a MessageHeader.id, a Task for a Patient, and its sender');
  const url = () => `urn:uuid:${randomUUID()}`;
  const refs = {
    header: url(),
    task: url(),
    patient: url(),
    role: url(),
    person: url(),
    kommune: url(),
    hospital: url(),
  };
  const entries: BundleEntry[] = [
    {
      fullUrl: refs.header,
      resource: {
        resourceType: 'MessageHeader',
        id: randomUUID(),
        eventCoding: { system: EVENT_SYSTEM, code: 'meldeplikt-svar' },
        destination: [
          {
            endpoint: header.source?.endpoint ?? `urn:ipbro:sim:hospital:${o.orgnr}`,
            receiver: { reference: refs.hospital },
          },
        ],
        source: {
          name: `Kommune ${o.kommune}, koordinerende enhet (simulert)`,
          endpoint: `urn:ipbro:sim:kommune:${o.kommune}`,
        },
        sender: { reference: refs.kommune },
        focus: [{ reference: refs.task }],
      },
    },
    { fullUrl: refs.task, resource: svarTask(header.id, needsOf(focus), o, refs) },
    // The person as the meldeplikt named them: identifier, name and birth date, nothing else.
    {
      fullUrl: refs.patient,
      resource: {
        resourceType: 'Patient',
        identifier: patient.identifier,
        name: patient.name,
        birthDate: patient.birthDate,
      },
    },
    {
      fullUrl: refs.kommune,
      resource: {
        resourceType: 'Organization',
        identifier: [{ system: ORGNR_SYSTEM, value: o.orgnr }],
        name: `Kommune ${o.kommune}, koordinerende enhet`,
      },
    },
    {
      fullUrl: refs.hospital,
      resource: { resourceType: 'Organization', identifier: hospital.identifier, name: hospital.name },
    },
  ];
  // A rejection names no koordinator: no PractitionerRole, no Practitioner.
  if (o.status !== 'rejected') entries.splice(3, 0, ...koordinatorEntries(o.koordinator ?? DEFAULT_KOORDINATOR, refs));
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'message',
    timestamp: new Date().toISOString(),
    entry: entries,
  };
}
