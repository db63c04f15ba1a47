import { routeByHints, routeMessage, runDeliveryStep } from '@ipbro/delivery-step';
import type {
  DeliveryChannel,
  DeliveryJob,
  DeliveryStepDeps,
  Routed,
  RoutingDecision,
  StepResult,
} from '@ipbro/delivery-step';
import type { Directory } from '@ipbro/directory';
import { looksWhole, messageWithDestination, sendFhirMessage, spliceDestination } from '@ipbro/http-client';
import type { Bundle } from '@medplum/fhirtypes';

export interface MeldepliktDeliveryDeps extends DeliveryStepDeps {
  directory: Directory;
  /** Per delivery request. */
  timeoutMs: number;
}

/**
 * The meldeplikt-router's channel: to the koordinerende enhet of the patient's home kommune (or the
 * explicit destination), or a meldeplikt-svar back to its meldeplikt's sender (routeReply), the message posted as a
 * FHIR message with its destination filled in. The
 * gateway puts the routing hints in the job, so a job with hints is routed by them and the
 * destination spliced into the stored bytes, without decoding or parsing the body; jobs without
 * hints (re-drives) and texts the splice cannot be sure of take the parsing path.
 */
export function meldepliktChannel(
  deps: Pick<MeldepliktDeliveryDeps, 'directory' | 'timeoutMs'>
): DeliveryChannel<Buffer, RoutingDecision> {
  return {
    routeJob: (job) =>
      job.homeKommune !== undefined || job.destination !== undefined || job.replyTo !== undefined
        ? routeByHints(
            job.event,
            { homeKommune: job.homeKommune, destination: job.destination, replyTo: job.replyTo },
            deps.directory
          )
        : undefined,
    route: ({ record, body }, hinted) => {
      let bundle: Bundle | undefined;
      let route = hinted;
      // A stored text cut short takes the parsing path, which says why it cannot be read.
      if (!route || !looksWhole(body)) {
        bundle = JSON.parse(body.toString('utf8')) as Bundle;
        // A meldeplikt-svar re-driven (no hints) goes back by the recipient the gateway recorded.
        route = routeMessage(record.event, bundle, deps.directory, undefined, record.recipient);
      }
      if (route.kind === 'unroutable') return route;
      const destination = {
        endpoint: route.endpoint,
        name: route.recipient.party.name,
        orgnr: route.recipient.party.orgnr,
      };
      let payload = bundle ? undefined : spliceDestination(body, destination);
      payload ??= messageWithDestination(body, bundle ?? (JSON.parse(body.toString('utf8')) as Bundle), destination);
      const routed: Routed<Buffer> = {
        kind: 'recipient',
        endpoint: route.endpoint,
        recipient: route.ledgerRecipient,
        payload,
      };
      routed.resolved = route.recipient;
      return routed;
    },
    send: (route, { record, token }) =>
      sendFhirMessage(route.endpoint, route.payload, { messageId: record.id, timeoutMs: deps.timeoutMs, token }),
  };
}

/**
 * One delivery attempt of a meldeplikt in the ledger (the router's job): unroutable when the
 * directory knows no recipient; otherwise posted, the answer classified, and the outcome written to
 * the ledger with its audit record (see runDeliveryStep).
 */
export function deliverFromLedger(job: DeliveryJob, deps: MeldepliktDeliveryDeps): Promise<StepResult> {
  return runDeliveryStep(job, meldepliktChannel(deps), deps);
}
