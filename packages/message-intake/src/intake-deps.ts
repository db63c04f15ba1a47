import type { AuditPort } from '@ipbro/audit';
import type { MessageView } from '@ipbro/fhir-message';
import type { MessageLedger, Recipient } from '@ipbro/message-ledger';
import type { DeliveryJobData, MessageQueueName } from '@ipbro/queues';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';

/** The part of a BullMQ Queue intake uses (jobId makes a repeated add a no-op). */
export interface JobQueue {
  add(name: string, data: DeliveryJobData, options: { jobId: string }): Promise<unknown>;
}

/** The part of @ipbro/directory's Directory intake uses: where a message will go. */
export interface RecipientLookup {
  recipientFor(
    event: string,
    where: { homeKommune?: string; destination?: { orgnr?: string; herId?: string } }
  ):
    | {
        party: { orgnr: string; name: string };
        kommunenummer?: string;
        target: { herId?: string; endpoint?: string; fhirBase?: string };
      }
    | undefined;
}

export interface IntakeDeps {
  ledger: MessageLedger;
  queues: Record<MessageQueueName, JobQueue>;
  /**
   * When given, the recipient the directory names now is recorded at intake, so the status shows it
   * from `queued` on and a receipt that overtakes the router's delivery bookkeeping is still matched
   * to its recipient. The router decides again at delivery time.
   */
  directory?: RecipientLookup;
  /** The message validation; defaults to @ipbro/validation's validateMessage. */
  validate?: (bundle: Bundle, options: { now?: Date }) => OperationOutcome;
  now?: () => Date;
  /**
   * Checks and records a valid message must pass before it is queued (not run for receipts): throws
   * an OutcomeError to refuse it, nothing queued. The gateway's document checks (one plan per person,
   * the consent registry) live here; see @ipbro/document-delivery's documentIntakeCheck.
   */
  beforeAccept?: (view: MessageView) => Promise<void | AcceptPlan>;
  /** The audit trail: receipt of messages, receipts, refusals, status reads. */
  audit?: AuditPort;
  /**
   * Resolves once the writes so far reached the replicas they must (@ipbro/redis' replicaAck); called
   * before a message or receipt is answered as kept. Absent: the primary's answer is enough.
   */
  confirmReplicated?: () => Promise<void>;
}

/**
 * What a beforeAccept check may decide for a message it lets through: a meldeplikt-svar goes back to
 * its meldeplikt's sender, which the check knows and the directory does not.
 */
export interface AcceptPlan {
  /** The recipient recorded at intake, in place of the directory's. */
  recipient?: Recipient;
  /** The job's routing hint for an answer's way back. */
  replyTo?: { orgnr: string; endpoint?: string };
}

/**
 * Who calls: the verified token (service-kit's AuthContext fits). `orgnr` is HelseID's
 * orgnr_parent claim; it is absent only in insecure-dev mode without one.
 */
export interface IntakeAuth {
  orgnr?: string;
  /** The OAuth client, for the audit trail. */
  clientId?: string;
  scopes: readonly string[];
}

export type { Recipient };
