import axios, { type AxiosInstance } from 'axios';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { DeliveryResult } from './delivery-outcome';

const http = axios.create({
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  validateStatus: () => true,
  maxRedirects: 0,
  transitional: { clarifyTimeoutError: true },
});

/** Fills MessageHeader.destination with the recipient when the sender left it out. */
export function withDestination(bundle: Bundle, destination: { endpoint: string; name?: string }): Bundle {
  const header = bundle.entry?.[0]?.resource as MessageHeader | undefined;
  if (!header || header.resourceType !== 'MessageHeader' || header.destination?.length) return bundle;
  return { ...bundle, entry: [{ ...bundle.entry![0], resource: { ...header, destination: [{ endpoint: destination.endpoint, ...(destination.name ? { name: destination.name } : {}) }] } }, ...bundle.entry!.slice(1)] };
}

/**
 * POST {endpoint}/$process-message with the message. The message id travels as X-Request-Id too,
 * the same on every attempt, so a recipient can drop a duplicate.
 */
export async function postMessage(endpoint: string, body: string, options: { messageId: string; timeoutMs: number; token?: string; client?: AxiosInstance }): Promise<DeliveryResult> {
  try {
    const res = await (options.client ?? http).post(`${endpoint.replace(/\/$/, '')}/$process-message`, body, {
      timeout: options.timeoutMs,
      headers: {
        'Content-Type': 'application/fhir+json',
        Accept: 'application/fhir+json',
        'X-Request-Id': options.messageId,
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      responseType: 'json',
    });
    return { status: res.status, body: res.data, headers: res.headers as Record<string, unknown> };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { error: { code: e.code, message: e.message } };
  }
}
