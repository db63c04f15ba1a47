import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import type { DeliveryResult } from './delivery-outcome';
import { observeDelivery } from './delivery-metrics';
import { httpPostText } from './http-post';

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** Who a message goes to, as MessageHeader.destination names it. */
export interface MessageRecipient {
  endpoint: string;
  name?: string;
  /** organisasjonsnummer: becomes destination.receiver as a logical reference. */
  orgnr?: string;
}

export interface PostOptions {
  /** MessageHeader.id: sent as X-Request-Id, the same on every attempt, so a recipient can drop a duplicate. */
  messageId: string;
  timeoutMs: number;
  /** Bearer token, when the recipient requires one. */
  token?: string;
  /** Fills MessageHeader.destination when the sender left it out (a Bundle body only; default: the endpoint alone). */
  destination?: MessageRecipient;
}

/** Fills MessageHeader.destination (endpoint, name, receiver) with the recipient when the sender left it out. */
export function withDestination(bundle: Bundle, destination: MessageRecipient): Bundle {
  const header = bundle.entry?.[0]?.resource as MessageHeader | undefined;
  if (!header || header.resourceType !== 'MessageHeader' || header.destination?.length) return bundle;
  const filled: NonNullable<MessageHeader['destination']>[number] = {
    endpoint: destination.endpoint,
    ...(destination.name ? { name: destination.name } : {}),
    ...(destination.orgnr ? { receiver: { identifier: { system: IDENTIFIER_SYSTEMS.organisasjonsnummer, value: destination.orgnr }, ...(destination.name ? { display: destination.name } : {}) } } : {}),
  };
  return { ...bundle, entry: [{ ...bundle.entry![0], resource: { ...header, destination: [filled] } }, ...bundle.entry!.slice(1)] };
}

const HEADER_KEY = /"resourceType"\s*:\s*"MessageHeader"/g;
const DESTINATION_KEY = /"destination"\s*:/;

/**
 * The message text with MessageHeader.destination filled in, as withDestination does, but spliced
 * into the text as received instead of serialising the whole bundle again (that costs more than
 * the rest of a delivery's own work). `bundle` is the same text parsed. The splice is used only
 * when it cannot go wrong: one MessageHeader key in the text (inside a JSON string every quote is
 * escaped, so the pattern only matches real keys), entry 0 is that header, and no destination key
 * anywhere; otherwise the bundle is serialised.
 */
export function messageTextWithDestination(text: string, bundle: Bundle, destination: MessageRecipient): string {
  const filled = withDestination(bundle, destination);
  if (filled === bundle) return text;
  const at = headerSpliceAt(text);
  if (at === undefined) return JSON.stringify(filled);
  const value = JSON.stringify((filled.entry![0].resource as MessageHeader).destination);
  return `${text.slice(0, at)},"destination":${value}${text.slice(at)}`;
}

/** Just past the one `"resourceType":"MessageHeader"` of a text that holds no `destination` key; else undefined. */
function headerSpliceAt(text: string): number | undefined {
  HEADER_KEY.lastIndex = 0;
  const first = HEADER_KEY.exec(text);
  if (!first || HEADER_KEY.exec(text) || DESTINATION_KEY.test(text)) return undefined;
  return first.index + first[0].length;
}

/**
 * messageTextWithDestination without the parsed bundle, for a message the gateway validated (so its
 * entry 0 is the MessageHeader): the text with the destination spliced in, or undefined when the
 * text holds a destination already or the splice is not certain (the caller then parses).
 */
export function spliceDestination(text: string, destination: MessageRecipient): string | undefined {
  const at = headerSpliceAt(text);
  if (at === undefined) return undefined;
  const header = withDestination({ resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'MessageHeader' } as MessageHeader }] }, destination);
  const value = JSON.stringify((header.entry![0].resource as MessageHeader).destination);
  return `${text.slice(0, at)},"destination":${value}${text.slice(at)}`;
}

/** `{endpoint}/$process-message`, whether or not the endpoint ends in a slash. */
export function processMessageUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/$process-message`;
}

// Recipients are few and their endpoints fixed: parse each URL once.
const urls = new Map<string, URL | undefined>();
function targetUrl(endpoint: string): URL | undefined {
  if (urls.has(endpoint)) return urls.get(endpoint);
  let url: URL | undefined;
  try {
    url = new URL(processMessageUrl(endpoint));
  } catch {
    url = undefined;
  }
  if (urls.size > 10_000) urls.clear();
  urls.set(endpoint, url);
  return url;
}

/**
 * POST {endpoint}/$process-message with the message (a Bundle, whose destination is filled in when
 * absent, or its JSON text as is). Never throws: a network error or timeout comes back as `{ error }`
 * for classifyDelivery.
 */
export function postMessage(endpoint: string, message: Bundle | string, options: PostOptions): Promise<DeliveryResult> {
  const body = typeof message === 'string' ? message : JSON.stringify(withDestination(message, options.destination ?? { endpoint }));
  const started = process.hrtime.bigint();
  return send(endpoint, body, options).then((result) => {
    observeDelivery(endpoint, result, options.messageId, started);
    return result;
  });
}

async function send(endpoint: string, body: string, options: PostOptions): Promise<DeliveryResult> {
  const url = targetUrl(endpoint);
  if (!url) return { error: { code: 'EINVALIDURL', message: `not a URL: ${endpoint}` } };
  // httpPostText refuses any other scheme than http(s).
  const r = await httpPostText(url, body, {
    headers: {
      'Content-Type': 'application/fhir+json',
      Accept: 'application/fhir+json',
      'X-Request-Id': options.messageId,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    timeoutMs: options.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  if ('error' in r) return r;
  // Read as JSON only when it says so: a text answer stays text for the classification.
  let parsed: unknown = r.text;
  if (r.text && /json/.test(String(r.headers['content-type']))) {
    try {
      parsed = JSON.parse(r.text);
    } catch {
      parsed = r.text;
    }
  }
  return { status: r.status, body: parsed, headers: r.headers };
}
