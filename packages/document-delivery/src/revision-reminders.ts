import { runDeliveryStep, type DeliveryChannel, type DeliveryStepDeps, type StepResult } from '@ipbro/delivery-step';
import type { Directory, DirectoryParty, ResolvedRecipient } from '@ipbro/directory';
import { CODE_SYSTEMS } from '@ipbro/fhir-message';
import { sendFhirMessage } from '@ipbro/http-client';
import { DEFAULT_PREFIX, ledgerKey, type MessageRecord, type Recipient } from '@ipbro/message-ledger';
import type { PlanEntry, PlanIndex } from '@ipbro/plan-index';
import type { Bundle } from '@medplum/fhirtypes';
import { Queue } from 'bullmq';
import type { RedisConnection } from '@ipbro/redis';
import { createHash } from 'node:crypto';

export const REMINDER_QUEUE = 'revision-reminders';
/**
 * ip-message-event#revision-reminder: an event IP-bro alone sends (the validator refuses it from anyone else, and
 * takes a receipt for it).
 */
export const REMINDER_EVENT = { system: CODE_SYSTEMS.messageEvent, code: 'revision-reminder' } as const;
/** The ledger's sender of what IP-bro sends on its own behalf. */
export const IPBRO_SENDER = 'ipbro';

export interface ReminderJobData {
  /** Keyed hash of the person (see patientKeyer), never a fødselsnummer. */
  patientKey: string;
  plan: string;
  nextRevision: string;
}

/** When a revision date has passed: the end of that day (the koordinator has the whole day). */
export function reminderDueAt(revisionDate: string): number {
  return Date.parse(`${revisionDate}T00:00:00Z`) + 24 * 3600 * 1000;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** One job per person, plan and revision date: scheduling it again (another copy, a restart) adds nothing. */
export const reminderJobId = (d: ReminderJobData): string =>
  `rev-${sha(`${d.patientKey}|${d.plan}|${d.nextRevision}`).slice(0, 40)}`;
/** The reminder's message id, a UUID derived from the job, so a retried reminder is the same message. */
export function reminderMessageId(d: ReminderJobData): string {
  const h = sha(`reminder|${reminderJobId(d)}`);
  // RFC 4122 variant bits (10xx) in the fourth group.
  const variant = ((parseInt(h[16], 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The reminder message: a Task to revise the plan, naming the plan by its identifier (not the person). */
export function reminderMessage(
  d: ReminderJobData,
  to: { endpoint: string; name: string; orgnr: string },
  now = new Date()
): Bundle {
  const id = reminderMessageId(d);
  const taskUrl = `urn:uuid:${sha(`task|${id}`).replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*$/, '$1-$2-5$3-8$4-$5')}`;
  const at = d.plan.lastIndexOf('|');
  const [system, value] = at < 0 ? ['', d.plan] : [d.plan.slice(0, at), d.plan.slice(at + 1)];
  return {
    resourceType: 'Bundle',
    type: 'message',
    timestamp: now.toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${id}`,
        resource: {
          resourceType: 'MessageHeader',
          id,
          eventCoding: { ...REMINDER_EVENT },
          source: { name: 'IP-bro', endpoint: 'urn:ipbro:revision-reminders' },
          destination: [
            {
              endpoint: to.endpoint,
              name: to.name,
              receiver: {
                identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: to.orgnr },
                display: to.name,
              },
            },
          ],
          focus: [{ reference: taskUrl }],
        },
      },
      {
        fullUrl: taskUrl,
        resource: {
          resourceType: 'Task',
          status: 'requested',
          intent: 'order',
          code: {
            coding: [{ system: CODE_SYSTEMS.planReview, code: 'revisjon' }],
            text: 'Revisjon av individuell plan',
          },
          description:
            `The revision of individuell plan ${value} planned for ${d.nextRevision} has passed, ` +
            'and no newer version of the plan has been seen.',
          focus: { type: 'CarePlan', identifier: { ...(system ? { system } : {}), value } },
          restriction: { period: { end: d.nextRevision } },
          owner: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: to.orgnr }, display: to.name },
          authoredOn: now.toISOString(),
        },
      },
    ],
  };
}

export type ReminderOutcome =
  | { kind: 'skipped'; reason: string }
  /** Done with: sent, or ended for good (acknowledged, delivered, rejected, unroutable, dead). */
  | { kind: 'sent'; record: MessageRecord }
  /** To be tried again (`retry`), or later without an attempt (`defer`): as a delivery job's step. */
  | Extract<StepResult, { kind: 'retry' | 'defer' }>;

export interface ReminderDeps extends DeliveryStepDeps {
  planIndex: PlanIndex;
  directory: Directory;
  /** Per request to the koordinerende enhet. */
  timeoutMs: number;
  now?: () => Date;
}

/**
 * Revision reminders: a delayed BullMQ job per plan and revision date (in Redis, so it survives
 * restarts of every service), due when the date has passed. When it runs, the reminder goes to the
 * koordinator's koordinerende enhet only if the index still holds that plan with that revision date
 * (a newer version with a later date has its own job). It is a message of its own in the ledger,
 * event `revision-reminder`, with the receipt path every message has.
 */
export class RevisionReminders {
  readonly queue: Queue<ReminderJobData>;

  constructor(
    connection: RedisConnection,
    prefix = DEFAULT_PREFIX,
    private readonly retry = { attempts: 50, firstDelayMs: 1000 }
  ) {
    this.queue = new Queue<ReminderJobData>(REMINDER_QUEUE, { connection, prefix });
  }

  /** Schedules the reminder of the entry's next revision (nothing when it has none); idempotent. */
  async schedule(patientKey: string, entry: PlanEntry, now = Date.now()): Promise<void> {
    if (!entry.nextRevision) return;
    const data: ReminderJobData = { patientKey, plan: entry.plan, nextRevision: entry.nextRevision };
    await this.queue.add('revision-reminder', data, {
      jobId: reminderJobId(data),
      delay: Math.max(0, reminderDueAt(entry.nextRevision) - now),
      attempts: this.retry.attempts,
      backoff: { type: 'exponential', delay: this.retry.firstDelayMs },
      // Kept long after: a second add of the same id while it is kept is a no-op (the ledger guards beyond).
      removeOnComplete: { age: 400 * 24 * 3600 },
      removeOnFail: { age: 400 * 24 * 3600 },
    });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** Runs one due reminder: checks the index, records the message in the ledger once, and delivers it through the shared step. */
export async function sendRevisionReminder(d: ReminderJobData, deps: ReminderDeps): Promise<ReminderOutcome> {
  const entry = await deps.planIndex.get(d.patientKey);
  if (!entry || entry.plan !== d.plan) return { kind: 'skipped', reason: "the person's plan is no longer this one" };
  if (entry.nextRevision !== d.nextRevision)
    return {
      kind: 'skipped',
      reason: `a newer version of the plan moved the revision to ${entry.nextRevision ?? 'none'}`,
    };
  const id = reminderMessageId(d);
  const key = ledgerKey(IPBRO_SENDER, id);
  const orgnr = entry.koordinator?.orgnr ?? entry.owner;
  const to = koordinerendeEnhetOf(orgnr ? deps.directory.byOrgnr(orgnr) : undefined);
  const message = reminderMessage(
    d,
    { endpoint: to.endpoint ?? '', name: to.party?.name ?? '', orgnr: to.party?.orgnr ?? orgnr ?? '' },
    deps.now?.()
  );
  const event = REMINDER_EVENT.code;
  // The reminder is a message like any other: a record with history, visible to ops and receipts.
  const body = JSON.stringify(message);
  const recipient = to.recipient ? { recipient: to.recipient } : {};
  await deps.ledger.accept({ sender: IPBRO_SENDER, id, event, body, ...recipient, enqueue: async () => undefined });
  const job = { key, messageId: id, sender: IPBRO_SENDER, event };
  const step = await runDeliveryStep(job, reminderChannel(to, orgnr, deps.timeoutMs), deps);
  return step.kind === 'retry' || step.kind === 'defer' ? step : { kind: 'sent', record: step.record };
}

/** The koordinerende enhet of the plan's organisation, as the directory has it and as the ledger names it. */
interface ReminderRecipient {
  party?: DirectoryParty;
  resolved?: ResolvedRecipient;
  endpoint?: string;
  recipient?: Recipient;
}

function koordinerendeEnhetOf(party: DirectoryParty | undefined): ReminderRecipient {
  const target = party?.koordinerendeEnhet;
  if (!party) return {};
  const endpoint = target?.endpoint ?? target?.fhirBase;
  const kommunenummer = 'kommunenummer' in party ? (party as { kommunenummer: string }).kommunenummer : undefined;
  const recipient: Recipient = { orgnr: party.orgnr, name: party.name };
  if (kommunenummer) recipient.kommunenummer = kommunenummer;
  if (target?.herId) recipient.herId = target.herId;
  if (endpoint) recipient.endpoint = endpoint;
  const to: ReminderRecipient = { party, recipient };
  if (endpoint) to.endpoint = endpoint;
  if (target) to.resolved = { party, target, via: 'koordinerendeEnhet', ...(kommunenummer ? { kommunenummer } : {}) };
  return to;
}

/** The reminder's channel: to the koordinerende enhet by fhir-message, the stored message as is. */
function reminderChannel(to: ReminderRecipient, orgnr: string | undefined, timeoutMs: number): DeliveryChannel<Buffer> {
  return {
    route: ({ body }) => {
      if (!to.resolved || !to.endpoint || !to.recipient || to.resolved.target.delivery !== 'fhir-message') {
        return {
          kind: 'unroutable',
          reason: `no koordinerende enhet taking fhir-message known for organisation ${orgnr ?? '(none)'}`,
        };
      }
      return {
        kind: 'recipient',
        endpoint: to.endpoint,
        recipient: to.recipient,
        resolved: to.resolved,
        payload: body,
      };
    },
    send: (route, { record, token }) =>
      sendFhirMessage(route.endpoint, route.payload, { messageId: record.id, timeoutMs, token }),
  };
}
