import type { DeliveryMode, Directory, ResolvedRecipient } from '@ipbro/directory';
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
export function routeMessage(event: string, bundle: Bundle, directory: Directory, modes: readonly DeliveryMode[] = ['fhir-message']): RoutingDecision {
  const view = readMessage(bundle);
  return routeByHints(event, { homeKommune: view.homeKommune, destination: view.destination }, directory, modes);
}

/** What routing needs of a message: the gateway puts these in the job data, so a worker need not parse the body. */
export interface RoutingHints {
  homeKommune?: string;
  destination?: { orgnr?: string; herId?: string };
}

/** routeMessage from the hints alone (the same decision: routeMessage reads the hints from the bundle and calls this). */
export function routeByHints(event: string, hints: RoutingHints, directory: Directory, modes: readonly DeliveryMode[] = ['fhir-message']): RoutingDecision {
  const recipient = directory.recipientFor(event, { homeKommune: hints.homeKommune, destination: hints.destination });
  if (!recipient) {
    const dest = hints.destination;
    const reason = dest && (dest.orgnr || dest.herId)
      ? `no recipient known for destination ${dest.orgnr ? `orgnr ${dest.orgnr}` : `HER-id ${dest.herId}`}`
      : hints.homeKommune
        ? `no koordinerende enhet known for kommune ${hints.homeKommune}`
        : 'the message names neither a destination nor the patient\'s home kommune';
    return { kind: 'unroutable', reason };
  }
  if (!modes.includes(recipient.target.delivery)) return { kind: 'unroutable', reason: `${recipient.party.name} takes ${event} by ${recipient.target.delivery}, which this sender does not speak` };
  const endpoint = recipient.target.endpoint ?? recipient.target.fhirBase;
  if (!endpoint) return { kind: 'unroutable', reason: `the directory gives ${recipient.party.name} no endpoint` };
  const ledgerRecipient: Recipient = {
    ...(recipient.kommunenummer ? { kommunenummer: recipient.kommunenummer } : {}),
    orgnr: recipient.party.orgnr,
    name: recipient.party.name,
    ...(recipient.target.herId ? { herId: recipient.target.herId } : {}),
    endpoint,
  };
  return { kind: 'recipient', recipient, endpoint, ledgerRecipient };
}
