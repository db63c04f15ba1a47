import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import { classifyDelivery, type DeliveryOutcome, type DeliveryResult } from './delivery-outcome';
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
    ...(destination.orgnr
      ? {
          receiver: {
            identifier: { system: IDENTIFIER_SYSTEMS.organisasjonsnummer, value: destination.orgnr },
            ...(destination.name ? { display: destination.name } : {}),
          },
        }
      : {}),
  };
  return {
    ...bundle,
    entry: [{ ...bundle.entry![0], resource: { ...header, destination: [filled] } }, ...bundle.entry!.slice(1)],
  };
}

const HEADER_VALUE = Buffer.from('"MessageHeader"');
const RESOURCE_TYPE_KEY = Buffer.from('"resourceType"');
const DESTINATION_KEY = Buffer.from('"destination"');
const COLON = 0x3a;
/** JSON's whitespace between tokens: space, tab, LF, CR. */
const isJsonSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The message with MessageHeader.destination filled in, as withDestination does, but spliced into
 * the bytes as stored instead of serialising the whole bundle again (that costs more than the rest of
 * a delivery's own work). `bundle` is the same message parsed. The splice is used only when it
 * cannot go wrong: one MessageHeader key in the text (inside a JSON string every quote is escaped, so
 * the pattern only matches real keys), entry 0 is that header, and no destination key anywhere;
 * otherwise the bundle is serialised.
 */
export function messageWithDestination(bytes: Buffer, bundle: Bundle, destination: MessageRecipient): Buffer {
  const filled = withDestination(bundle, destination);
  if (filled === bundle) return bytes;
  const at = headerSpliceAt(bytes);
  if (at === undefined) return Buffer.from(JSON.stringify(filled), 'utf8');
  return splice(bytes, at, destination);
}

/**
 * messageWithDestination without the parsed bundle, for a message the gateway validated (so its
 * entry 0 is the MessageHeader): the bytes with the destination spliced in, or undefined when the
 * text holds a destination already or the splice is not certain (the caller then parses).
 */
export function spliceDestination(bytes: Buffer, destination: MessageRecipient): Buffer | undefined {
  const at = headerSpliceAt(bytes);
  return at === undefined ? undefined : splice(bytes, at, destination);
}

// Recipients are few: the `,"destination":[…]` text of each (what withDestination fills in for it) is
// made once, in a bounded cache like the URLs'.
const destinations = new Map<string, Buffer>();
function destinationBytes(destination: MessageRecipient): Buffer {
  const cacheKey = `${destination.endpoint}\u0000${destination.name ?? ''}\u0000${destination.orgnr ?? ''}`;
  let text = destinations.get(cacheKey);
  if (!text) {
    const header = withDestination(
      {
        resourceType: 'Bundle',
        type: 'message',
        entry: [{ resource: { resourceType: 'MessageHeader' } as MessageHeader }],
      },
      destination
    );
    text = Buffer.from(
      `,"destination":${JSON.stringify((header.entry![0].resource as MessageHeader).destination)}`,
      'utf8'
    );
    if (destinations.size > 10_000) destinations.clear();
    destinations.set(cacheKey, text);
  }
  return text;
}

/** A stored text cut short (a write torn mid-way) does not end its object: such a text takes the parsing path, which says why. */
export function looksWhole(bytes: Buffer): boolean {
  let i = bytes.length - 1;
  while (isJsonSpace(bytes[i])) i--;
  return bytes[i] === 0x7d; // }
}

function splice(bytes: Buffer, at: number, destination: MessageRecipient): Buffer {
  return Buffer.concat([bytes.subarray(0, at), destinationBytes(destination), bytes.subarray(at)]);
}

/**
 * Just past the one `"resourceType"\s*:\s*"MessageHeader"` of a text that holds no `"destination"\s*:`
 * key; else undefined. Searched in the bytes (indexOf is native), so the body is never decoded.
 */
function headerSpliceAt(bytes: Buffer): number | undefined {
  let found: number | undefined;
  for (let at = bytes.indexOf(HEADER_VALUE); at >= 0; at = bytes.indexOf(HEADER_VALUE, at + 1)) {
    let i = at - 1;
    while (isJsonSpace(bytes[i])) i--;
    if (bytes[i] !== COLON) continue;
    i--;
    while (isJsonSpace(bytes[i])) i--;
    const keyStart = i + 1 - RESOURCE_TYPE_KEY.length;
    if (keyStart < 0 || bytes.compare(RESOURCE_TYPE_KEY, 0, RESOURCE_TYPE_KEY.length, keyStart, i + 1) !== 0) continue;
    if (found !== undefined) return undefined;
    found = at + HEADER_VALUE.length;
  }
  if (found === undefined) return undefined;
  for (let at = bytes.indexOf(DESTINATION_KEY); at >= 0; at = bytes.indexOf(DESTINATION_KEY, at + 1)) {
    let i = at + DESTINATION_KEY.length;
    while (isJsonSpace(bytes[i])) i++;
    if (bytes[i] === COLON) return undefined;
  }
  return found;
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
 * absent, or its JSON as is, text or bytes). Never throws: a network error or timeout comes back as
 * `{ error }` for classifyDelivery.
 */
export function postMessage(
  endpoint: string,
  message: Bundle | string | Buffer,
  options: PostOptions
): Promise<DeliveryResult> {
  const body =
    typeof message === 'string' || Buffer.isBuffer(message)
      ? message
      : JSON.stringify(withDestination(message, options.destination ?? { endpoint }));
  const started = process.hrtime.bigint();
  return send(endpoint, body, options).then((result) => {
    observeDelivery(endpoint, result, options.messageId, started);
    return result;
  });
}

/** postMessage and what its answer means (classifyDelivery): the whole exchange of a fhir-message delivery. */
export async function sendFhirMessage(
  endpoint: string,
  message: Bundle | string | Buffer,
  options: PostOptions
): Promise<DeliveryOutcome> {
  return classifyDelivery(await postMessage(endpoint, message, options), options.messageId);
}

async function send(endpoint: string, body: string | Buffer, options: PostOptions): Promise<DeliveryResult> {
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
  if (r.text && String(r.headers['content-type']).includes('json')) {
    try {
      parsed = JSON.parse(r.text);
    } catch {
      parsed = r.text;
    }
  }
  return { status: r.status, body: parsed, headers: r.headers };
}
