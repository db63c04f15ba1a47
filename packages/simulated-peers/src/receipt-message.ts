import { randomUUID } from 'node:crypto';

const EVENT_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-message-event';
const ORGNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';

/**
 * The koordinerende enhet's receipt: a message Bundle whose MessageHeader.response names the
 * received message id and how it went, sent by the kommune (Organization with organisasjonsnummer).
 */
export function receiptFor(
  messageId: string,
  code: 'ok' | 'transient-error' | 'fatal-error',
  kommune: string,
  orgnr: string,
  event = 'meldeplikt'
): object {
  const name = `Kommune ${kommune}, koordinerende enhet`;
  const from = { name, source: `${name} (simulert)`, endpoint: `urn:ipbro:sim:kommune:${kommune}`, orgnr };
  return receiptFrom(messageId, code, from, event);
}

/** A receipt as receiptFor makes it, from any simulated organisation (the hospital's koordinerende enhet answers the svar with one). */
export function receiptFrom(
  messageId: string,
  code: 'ok' | 'transient-error' | 'fatal-error',
  from: { name: string; source: string; endpoint: string; orgnr: string },
  event: string
): object {
  const orgUrl = `urn:uuid:${randomUUID()}`;
  const outcomeUrl = `urn:uuid:${randomUUID()}`;
  const diagnostics =
    code === 'ok'
      ? undefined
      : code === 'fatal-error'
        ? 'E35 pasienten er ukjent hos mottaker (simulert)'
        : 'fagsystemet er midlertidig utilgjengelig (simulert)';
  return {
    resourceType: 'Bundle',
    type: 'message',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: {
          resourceType: 'MessageHeader',
          id: randomUUID(),
          eventCoding: { system: EVENT_SYSTEM, code: event },
          source: { name: from.source, endpoint: from.endpoint },
          sender: { reference: orgUrl },
          response: { identifier: messageId, code, ...(diagnostics ? { details: { reference: outcomeUrl } } : {}) },
        },
      },
      {
        fullUrl: orgUrl,
        resource: {
          resourceType: 'Organization',
          identifier: [{ system: ORGNR_SYSTEM, value: from.orgnr }],
          name: from.name,
        },
      },
      ...(diagnostics
        ? [
            {
              fullUrl: outcomeUrl,
              resource: {
                resourceType: 'OperationOutcome',
                issue: [{ severity: 'error', code: code === 'fatal-error' ? 'processing' : 'transient', diagnostics }],
              },
            },
          ]
        : []),
    ],
  };
}
