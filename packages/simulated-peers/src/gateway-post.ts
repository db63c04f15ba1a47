import type { Logger } from '@ipbro/service-kit';
import axios from 'axios';

/**
 * Posts a message to the gateway as a simulated organisation: with its token when the peer has a
 * token source, else `X-Ipbro-Org` (insecure-dev). The gateway's HTTP status, or undefined when it
 * could not be reached (logged either way).
 */
export async function postToGateway(
  o: { gatewayUrl?: string; token?: (orgnr: string) => Promise<string | undefined>; logger: Logger },
  orgnr: string,
  body: object,
  what: { event: string; messageId: string }
): Promise<number | undefined> {
  if (!o.gatewayUrl) {
    o.logger.warn(what, 'no SIM_GATEWAY_URL: the message stays here');
    return undefined;
  }
  try {
    const token = await o.token?.(orgnr);
    const res = await axios.post(`${o.gatewayUrl.replace(/\/+$/, '')}/fhir/$process-message`, body, {
      headers: {
        'Content-Type': 'application/fhir+json',
        ...(token ? { Authorization: `Bearer ${token}` } : { 'X-Ipbro-Org': orgnr }),
      },
      validateStatus: () => true,
      timeout: 10_000,
    });
    o.logger.info({ ...what, status: res.status }, 'posted to the gateway');
    return res.status;
  } catch (err) {
    o.logger.warn({ ...what, err: (err as Error).message }, 'could not post to the gateway');
    return undefined;
  }
}
