import { CODE_SYSTEMS, resolveReference, type Located, type MessageView } from '@ipbro/fhir-message';
import {
  ledgerKey,
  type AnswerStore,
  type AnswerTelecom,
  type MeldepliktAnswer,
  type MessageLedger,
  type MessageRecord,
} from '@ipbro/message-ledger';
import { errorIssue, forbidden, OutcomeError } from '@ipbro/outcome';
import type { HumanName, Practitioner, PractitionerRole, Task } from '@medplum/fhirtypes';
import type { AuditPort } from '@ipbro/audit';
import type { AcceptPlan } from './intake-deps';
import { durably } from './storage';

const MELDEPLIKT_REF = /^urn:uuid:([A-Za-z0-9\-.]{1,64})$/;

/** The meldeplikt a meldeplikt-svar answers: its MessageHeader.id from Task.basedOn, and where that sits. */
export function answeredMeldeplikt(view: MessageView): { id: string; expression: string } | undefined {
  const focus = view.focus[0] as Located<Task> | undefined;
  if (focus?.resource.resourceType !== 'Task') return undefined;
  const basedOn = focus.resource.basedOn ?? [];
  for (let i = 0; i < basedOn.length; i++) {
    const identifier = basedOn[i]?.identifier;
    const match = identifier?.system === 'urn:ietf:rfc:3986' ? MELDEPLIKT_REF.exec(String(identifier.value)) : null;
    if (match)
      return { id: match[1], expression: `Bundle.entry[${focus.index}].resource.basedOn[${i}].identifier.value` };
  }
  return undefined;
}

const nameOf = (names: HumanName[] | undefined): string | undefined => {
  const n = names?.find((h) => h?.text || h?.family || h?.given?.length);
  if (!n) return undefined;
  return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
};

/** The koordinator the answer names: the PractitionerRole of the `koordinator` output, its person's name and contacts. */
function koordinatorOf(view: MessageView, task: Task): MeldepliktAnswer['koordinator'] {
  const output = (task.output ?? []).find((o) =>
    o?.type?.coding?.some((c) => c?.system === CODE_SYSTEMS.need && c.code === 'koordinator')
  );
  const role = resolveReference<PractitionerRole>(view.bundle, output?.valueReference)?.resource;
  if (role?.resourceType !== 'PractitionerRole') return undefined;
  const person = resolveReference<Practitioner>(view.bundle, role.practitioner)?.resource;
  const practitioner = person?.resourceType === 'Practitioner' ? person : undefined;
  const telecom: AnswerTelecom[] = [...(role.telecom ?? []), ...(practitioner?.telecom ?? [])]
    .filter((t) => typeof t?.value === 'string' && t.value)
    .map((t) => ({ ...(t.system ? { system: t.system } : {}), value: t.value as string }));
  const name = nameOf(practitioner?.name);
  return name ? { name, telecom } : undefined;
}

/**
 * The answer as the meldeplikt's status shows it: completed or rejected (with the reason), the
 * koordinator, and when the kommune answered (the Task's time, else the message's, else `received`).
 */
export function answerOf(view: MessageView, received: Date): MeldepliktAnswer {
  const task = view.focus[0]?.resource as Task;
  const when = [task.lastModified, task.authoredOn, view.bundle.timestamp].find(
    (t) => typeof t === 'string' && !Number.isNaN(Date.parse(t))
  );
  const reason =
    task.statusReason?.text ??
    task.statusReason?.coding
      ?.map((c) => c.display ?? c.code)
      .filter(Boolean)
      .join('; ');
  const koordinator = task.status === 'rejected' ? undefined : koordinatorOf(view, task);
  return {
    status: task.status === 'rejected' ? 'rejected' : 'completed',
    at: when ?? received.toISOString(),
    ...(koordinator ? { koordinator } : {}),
    ...(task.status === 'rejected' && reason ? { reason } : {}),
  };
}

export interface AnswerIntakeDeps {
  ledger: MessageLedger;
  answers: AnswerStore;
  /** Names the meldeplikt's sender on the svar's record (the directory's helseforetak entry), when it knows it. */
  directory?: { byOrgnr(orgnr: string): { name: string } | undefined };
  /** Where a refusal is recorded (the gateway's audit trail). */
  audit?: Pick<AuditPort, 'record'>;
  now?: () => Date;
}

const isHttpUrl = (s: string | undefined): s is string => !!s && /^https?:\/\/[^\s]+$/i.test(s) && s.length <= 2048;

/** The meldeplikt the svar answers, among those sent to the answering organisation; refusals as OutcomeErrors. */
async function meldepliktAnswered(view: MessageView, deps: AnswerIntakeDeps): Promise<MessageRecord> {
  const named = answeredMeldeplikt(view);
  const orgnr = view.senderIds.orgnr as string;
  if (!named)
    throw new OutcomeError(422, [
      errorIssue(
        'required',
        'A meldeplikt-svar names the meldeplikt it answers (Task.basedOn)',
        'Bundle.entry[0].resource.focus'
      ),
    ]);
  const records = (await durably('reading the ledger', () => deps.ledger.findById(named.id))).filter(
    (r) => r.event === 'meldeplikt'
  );
  if (records.length === 0) {
    throw new OutcomeError(422, [
      errorIssue(
        'not-found',
        `No meldeplikt ${named.id} has passed through IP-bro: there is nothing to answer`,
        named.expression
      ),
    ]);
  }
  const mine = records.filter((r) => r.recipient?.orgnr === orgnr);
  if (mine.length === 0) {
    await deps.audit?.record({
      event: 'message.refused',
      messageId: named.id,
      outcome: 'serious-failure',
      who: { orgnr },
      sender: orgnr,
      messageEvent: 'meldeplikt-svar',
      detail: `organisation ${orgnr} answered meldeplikt ${named.id}, which was not sent to it`,
    });
    throw forbidden(
      `Meldeplikt ${named.id} was not sent to organisation ${orgnr}: only the kommune that received it may answer it`
    );
  }
  if (mine.length > 1) {
    const senders = mine.map((r) => r.sender).join(', ');
    throw new OutcomeError(422, [
      errorIssue(
        'multiple-matches',
        `Meldeplikt id ${named.id} came to you from ${senders}: which one is answered cannot be told`,
        named.expression
      ),
    ]);
  }
  return mine[0];
}

/**
 * The gateway's check of a meldeplikt-svar before it is queued (intake's beforeAccept; other events
 * pass untouched): it answers a meldeplikt IP-bro carried (422 otherwise), from the organisation that
 * meldeplikt was sent to (403 otherwise, nothing stored). The answer is then kept for the meldeplikt's
 * status, and the svar goes back to the meldeplikt's sender: to its MessageHeader.source.endpoint when
 * it gave an http(s) one, else (the router decides) to its koordinerende enhet in the directory.
 */
export function meldepliktAnswerCheck(deps: AnswerIntakeDeps): (view: MessageView) => Promise<AcceptPlan | undefined> {
  return async (view) => {
    if (view.event !== 'meldeplikt-svar' || view.response) return undefined;
    const meldeplikt = await meldepliktAnswered(view, deps);
    const svarKey = ledgerKey(view.senderIds.orgnr as string, view.messageId as string);
    await durably('keeping the answer', () =>
      deps.answers.record(meldeplikt.key, svarKey, answerOf(view, deps.now?.() ?? new Date()))
    );
    const endpoint = isHttpUrl(meldeplikt.sourceEndpoint) ? { endpoint: meldeplikt.sourceEndpoint } : {};
    const name = deps.directory?.byOrgnr(meldeplikt.sender)?.name;
    return {
      recipient: { kind: 'sender', orgnr: meldeplikt.sender, ...(name ? { name } : {}), ...endpoint },
      replyTo: { orgnr: meldeplikt.sender, ...endpoint },
    };
  };
}
