import type {
  Bundle,
  MessageHeader,
  Practitioner,
  PractitionerRole,
  Reference,
  Resource,
  Task,
} from '@medplum/fhirtypes';

/** What the ward learns from a meldeplikt-svar: which meldeplikt, what the kommune did, and who the koordinator is. */
export interface ReceivedAnswer {
  at: string;
  /** The svar's MessageHeader.id, and the meldeplikt it answers (its MessageHeader.id). */
  id: string;
  meldeplikt?: string;
  status?: string;
  reason?: string;
  koordinator?: { name?: string; telecom: { system?: string; value?: string }[] };
  individuellPlan?: string;
  /** The helseforetak path it arrived at (`ous`, `stolav`, `bergen`), none for this hospital's own. */
  hospital?: string;
  /** How many times it arrived (a re-delivery after a lost answer counts again). */
  count: number;
}

const find = <T extends Resource>(b: Bundle, ref: Reference | undefined, type: string): T | undefined => {
  const r = b.entry?.find((e) => e.fullUrl === ref?.reference)?.resource;
  return r?.resourceType === type ? (r as T) : undefined;
};

/** The svar read as the ward's system would show it; undefined for anything that is not a meldeplikt-svar. */
export function answerIn(body: Bundle, at: string, hospital?: string): ReceivedAnswer | undefined {
  const header = body?.entry?.[0]?.resource as MessageHeader | undefined;
  if (
    header?.resourceType !== 'MessageHeader' ||
    header.eventCoding?.code !== 'meldeplikt-svar' ||
    header.response ||
    !header.id
  )
    return undefined;
  const task = find<Task>(body, header.focus?.[0], 'Task');
  const output = (code: string) => task?.output?.find((o) => o.type?.coding?.some((c) => c.code === code));
  const role = find<PractitionerRole>(body, output('koordinator')?.valueReference, 'PractitionerRole');
  const person = find<Practitioner>(body, role?.practitioner, 'Practitioner');
  const name = person?.name?.[0];
  const meldeplikt = task?.basedOn?.[0]?.identifier?.value?.replace(/^urn:uuid:/, '');
  return {
    at,
    id: header.id,
    count: 1,
    ...(hospital ? { hospital } : {}),
    ...(meldeplikt ? { meldeplikt } : {}),
    ...(task?.status ? { status: task.status } : {}),
    ...(task?.statusReason?.text ? { reason: task.statusReason.text } : {}),
    ...(role
      ? {
          koordinator: {
            name: name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' '),
            telecom: (role.telecom ?? []).map((t) => ({ system: t.system, value: t.value })),
          },
        }
      : {}),
    ...(output('individuell-plan')?.valueString ? { individuellPlan: output('individuell-plan')?.valueString } : {}),
  };
}
