import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { AuditEvent } from '@medplum/fhirtypes';

/** What happened to a message. One record each; `delivery.attempt` is written before the request leaves. */
export const AUDIT_EVENTS = [
  'message.received', // accepted and queued (202)
  'message.repeat', // the same id again: status answered, nothing queued
  'message.refused', // refused for who sent it (403: another organisation)
  'receipt.received', // a recipient's receipt applied to the message
  'delivery.attempt', // we are sending it to a recipient
  'delivery.outcome', // what the attempt came to (delivered, acknowledged, rejected, retrying, dead, unroutable)
  'message.blocked', // consent does not permit the recipient
  'status.read', // GET /messages/{id}
  'audit.read', // GET /messages/{id}/audit
  'operator.action', // retry, re-drive, discard by ops
  'message.redriven', // an unroutable message re-queued by its worker once the directory knows the recipient
  'receipt.sent', // a receipt pushed to the message's sender (its MessageHeader.source.endpoint)
] as const;
export type AuditEventType = (typeof AUDIT_EVENTS)[number];

/** FHIR AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
export type AuditOutcome = 'success' | 'minor-failure' | 'serious-failure' | 'major-failure';
const OUTCOME_CODES: Record<AuditOutcome, AuditEvent['outcome']> = {
  success: '0',
  'minor-failure': '4',
  'serious-failure': '8',
  'major-failure': '12',
};
/** FHIR AuditEvent.action per event: C create, R read, U update, E execute. */
const ACTIONS: Record<AuditEventType, AuditEvent['action']> = {
  'message.received': 'C',
  'message.repeat': 'R',
  'message.refused': 'C',
  'receipt.received': 'U',
  'delivery.attempt': 'E',
  'delivery.outcome': 'E',
  'message.blocked': 'E',
  'status.read': 'R',
  'audit.read': 'R',
  'operator.action': 'U',
  'message.redriven': 'U',
  'receipt.sent': 'E',
};

export interface AuditWho {
  /** The OAuth client (token `client_id`), or the service acting on its own. */
  clientId?: string;
  /** The client's organisation (token orgnr_parent). */
  orgnr?: string;
}

export interface AuditParty {
  orgnr?: string;
  herId?: string;
  name?: string;
}

/** What a caller tells the trail. `personNumber` is hashed with the audit key and never stored. */
export interface AuditInput {
  event: AuditEventType;
  messageId: string;
  outcome: AuditOutcome;
  who: AuditWho;
  /** The organisation that sent the message (its orgnr). */
  sender?: string;
  /** The message's event code (meldeplikt, epikrise …). */
  messageEvent?: string;
  recipient?: AuditParty;
  /** The patient's fødselsnummer or D-nummer: only its keyed hash is kept. */
  personNumber?: string;
  /** Short, free of patient data: a state, an HTTP status, a reason. */
  detail?: string;
  at?: Date;
  /**
   * False: keep the record in the stream only, not in the message's index (a read of an id that
   * does not exist, so that probing with made-up ids cannot fill Redis with index keys).
   */
  indexByMessage?: boolean;
}

/** What the trail keeps. */
export interface AuditRecord {
  /** The Redis stream entry id (time-ordered). */
  id?: string;
  at: string;
  event: AuditEventType;
  action: AuditEvent['action'];
  outcome: AuditOutcome;
  who: AuditWho;
  /** The service that wrote the record (gateway, meldeplikt-router …). */
  source: string;
  messageId: string;
  sender?: string;
  messageEvent?: string;
  recipient?: AuditParty;
  /** HMAC-SHA256 of the person number with the audit key (base64url); absent without a key. */
  patient?: string;
  detail?: string;
}

export const AUDIT_PATIENT_SYSTEM = 'http://ipbro.no/fhir/NamingSystem/audit-patient-hmac';
export const AUDIT_EVENT_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-audit-event';

export function outcomeCode(outcome: AuditOutcome): AuditEvent['outcome'] {
  return OUTCOME_CODES[outcome];
}

export function actionOf(event: AuditEventType): AuditEvent['action'] {
  return ACTIONS[event];
}

const orgIdentifier = (orgnr: string) => ({ system: IDENTIFIER_SYSTEMS.organisasjonsnummer, value: orgnr });

/** The record as a FHIR R4 AuditEvent (DICOM/HL7 codes where they fit, ours for the event). */
export function toAuditEvent(record: AuditRecord): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    ...(record.id ? { id: record.id } : {}), // a stream id (ms-seq) is a valid FHIR id
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [{ system: AUDIT_EVENT_SYSTEM, code: record.event }],
    action: record.action,
    recorded: record.at,
    outcome: outcomeCode(record.outcome),
    ...(record.detail ? { outcomeDesc: record.detail } : {}),
    agent: [
      {
        requestor: true,
        ...(record.who.clientId ? { altId: record.who.clientId } : {}),
        who: record.who.orgnr
          ? {
              identifier: orgIdentifier(record.who.orgnr),
              ...(record.who.clientId ? { display: record.who.clientId } : {}),
            }
          : { display: record.who.clientId ?? record.source },
      },
      ...(record.recipient?.orgnr || record.recipient?.herId
        ? [
            {
              requestor: false,
              who: {
                ...(record.recipient.orgnr ? { identifier: orgIdentifier(record.recipient.orgnr) } : {}),
                ...(record.recipient.name ? { display: record.recipient.name } : {}),
              },
            },
          ]
        : []),
    ],
    source: { observer: { display: record.source } },
    entity: [
      {
        what: { identifier: { value: record.messageId } },
        type: { system: 'http://hl7.org/fhir/resource-types', code: 'MessageHeader' },
        ...(record.messageEvent ? { name: record.messageEvent } : {}),
      },
      ...(record.patient
        ? [
            {
              what: { identifier: { system: AUDIT_PATIENT_SYSTEM, value: record.patient } },
              type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
              role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
            },
          ]
        : []),
    ],
  };
}
