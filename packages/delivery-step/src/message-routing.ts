import type { DeliveryMode, Directory, Endpoint, ResolvedRecipient } from '@ipbro/directory';
import { readMessage } from '@ipbro/fhir-message';
import type { Recipient } from '@ipbro/message-ledger';
import type { Bundle } from '@medplum/fhirtypes';

export type RoutingDecision =
  | { kind: 'recipient'; recipient: ResolvedRecipient; endpoint: string; ledgerRecipient: Recipient }
  | { kind: 'unroutable'; reason: string; endpoint?: undefined };

/**
 * Where a message goes (CONTRACT.md "The directory"): an explicit MessageHeader.destination wins,
 * else the patient's home kommune; meldeplikt goes to its koordinerende enhet. Unroutable when the
 * directory knows no such recipient, or none reachable by one of `modes` (the message is kept and
 * re-driven when the directory learns one).
 */
export function routeMessage(
  event: string,
  bundle: Bundle,
  directory: Directory,
  modes: readonly DeliveryMode[] = ['fhir-message'],
  recorded?: Recipient
): RoutingDecision {
  const view = readMessage(bundle);
  const hints: RoutingHints = { homeKommune: view.homeKommune, destination: view.destination };
  // An answer goes back where the gateway recorded it at intake (its job's hint is gone after a re-drive).
  if (event === 'meldeplikt-svar' && recorded?.orgnr) {
    hints.replyTo = { orgnr: recorded.orgnr, ...(recorded.endpoint ? { endpoint: recorded.endpoint } : {}) };
  }
  return routeByHints(event, hints, directory, modes);
}

/** What routing needs of a message: the gateway puts these in the job data, so a worker need not parse the body. */
export interface RoutingHints {
  homeKommune?: string;
  destination?: { orgnr?: string; herId?: string };
  /** An answer's way back (meldeplikt-svar): the meldeplikt's sender, and its MessageHeader.source.endpoint if it gave one. */
  replyTo?: { orgnr: string; endpoint?: string };
}

/** routeMessage from the hints alone (the same decision: routeMessage reads the hints from the bundle and calls this). */
export function routeByHints(
  event: string,
  hints: RoutingHints,
  directory: Directory,
  modes: readonly DeliveryMode[] = ['fhir-message']
): RoutingDecision {
  if (event === 'meldeplikt-svar') return routeReply(hints.replyTo, directory, modes);
  const recipient = directory.recipientFor(event, { homeKommune: hints.homeKommune, destination: hints.destination });
  if (!recipient) {
    const dest = hints.destination;
    const reason =
      dest && (dest.orgnr || dest.herId)
        ? `no recipient known for destination ${dest.orgnr ? `orgnr ${dest.orgnr}` : `HER-id ${dest.herId}`}`
        : hints.homeKommune
          ? `no koordinerende enhet known for kommune ${hints.homeKommune}`
          : "the message names neither a destination nor the patient's home kommune";
    return { kind: 'unroutable', reason };
  }
  if (!modes.includes(recipient.target.delivery))
    return {
      kind: 'unroutable',
      reason: `${recipient.party.name} takes ${event} by ${recipient.target.delivery}, which this sender does not speak`,
    };
  const endpoint = recipient.target.endpoint ?? recipient.target.fhirBase;
  if (!endpoint) return { kind: 'unroutable', reason: `the directory gives ${recipient.party.name} no endpoint` };
  const ledgerRecipient: Recipient = {
    kind: recipient.via === 'ehr' ? 'ehr' : 'koordinerende-enhet',
    ...(recipient.kommunenummer ? { kommunenummer: recipient.kommunenummer } : {}),
    orgnr: recipient.party.orgnr,
    name: recipient.party.name,
    ...(recipient.target.herId ? { herId: recipient.target.herId } : {}),
    endpoint,
  };
  return { kind: 'recipient', recipient, endpoint, ledgerRecipient };
}

/**
 * A meldeplikt-svar goes back to the meldeplikt's sender, never where the answering kommune points
 * it: to the endpoint the sender named (MessageHeader.source.endpoint), else the koordinerende enhet
 * the directory lists for that organisation. A token goes only to an endpoint the directory lists
 * (with its settings), never to an address a message named.
 */
export function routeReply(
  replyTo: RoutingHints['replyTo'],
  directory: Directory,
  modes: readonly DeliveryMode[] = ['fhir-message']
): RoutingDecision {
  if (!replyTo) return { kind: 'unroutable', reason: "the answer has no recorded way back to the meldeplikt's sender" };
  const party = directory.byOrgnr(replyTo.orgnr);
  const own = replyTo.endpoint;
  const listed = own ? [party?.koordinerendeEnhet, party?.ehr].find((e) => e?.endpoint === own) : undefined;
  const target: Endpoint | undefined = own
    ? (listed ?? { endpoint: own, delivery: 'fhir-message' })
    : party?.koordinerendeEnhet;
  const name = party?.name ?? `organisation ${replyTo.orgnr}`;
  if (!target) {
    const why =
      'its meldeplikt named no MessageHeader.source.endpoint and the directory lists no koordinerende enhet for it';
    return { kind: 'unroutable', reason: `no way back to ${name}: ${why}` };
  }
  if (!modes.includes(target.delivery)) {
    return {
      kind: 'unroutable',
      reason: `${name} takes meldeplikt-svar by ${target.delivery}, which this sender does not speak`,
    };
  }
  const endpoint = target.endpoint ?? target.fhirBase;
  if (!endpoint) return { kind: 'unroutable', reason: `the directory gives ${name} no endpoint` };
  const recipient: ResolvedRecipient = {
    party: party ?? { orgnr: replyTo.orgnr, name },
    target,
    via: 'koordinerendeEnhet',
  };
  const herId = target.herId ? { herId: target.herId } : {};
  const ledgerRecipient: Recipient = { kind: 'sender', orgnr: replyTo.orgnr, name, ...herId, endpoint };
  return { kind: 'recipient', recipient, endpoint, ledgerRecipient };
}
