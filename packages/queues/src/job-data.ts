/**
 * Job data holds only what routing needs: the ledger key and metadata. Never the patient's
 * identity or clinical text: the body lives in the message ledger (its own key, encrypted at
 * rest), and jobs are visible to anyone with queue tooling and kept after completion.
 */
export interface DeliveryJobData {
  /** The ledger key: sender orgnr + ':' + message id. */
  key: string;
  messageId: string;
  event: string;
  /** The sender's organisasjonsnummer. */
  sender: string;
  /** Routing hint: the patient's home kommune (kommunenummer), when the message names one. */
  homeKommune?: string;
  /** Routing hint: an explicit MessageHeader.destination. */
  destination?: { orgnr?: string; herId?: string };
  /** Routing hint of an answer (meldeplikt-svar): the organisation it goes back to, and its own endpoint when it gave one. */
  replyTo?: { orgnr: string; endpoint?: string };
}

const KEYS = ['key', 'messageId', 'event', 'sender', 'homeKommune', 'destination', 'replyTo'] as const;

/**
 * Builds job data from whatever the caller holds, keeping only the routing fields and checking
 * their shapes, so a careless spread of a parsed message cannot put a fødselsnummer or a name
 * into Redis job data.
 */
export function deliveryJobData(input: DeliveryJobData): DeliveryJobData {
  const problems: string[] = [];
  for (const k of ['key', 'messageId', 'event', 'sender'] as const) {
    if (typeof input[k] !== 'string' || !input[k]) problems.push(`${k}: required`);
  }
  if (input.sender && !/^\d{9}$/.test(input.sender)) problems.push('sender: must be an organisasjonsnummer (9 digits)');
  if (input.sender && input.messageId && input.key !== `${input.sender}:${input.messageId}`)
    problems.push('key: must be sender + ":" + messageId');
  if (input.homeKommune !== undefined && !/^\d{4}$/.test(input.homeKommune))
    problems.push('homeKommune: must be a kommunenummer (4 digits)');
  const d = input.destination;
  if (d !== undefined) {
    if (d.orgnr !== undefined && !/^\d{9}$/.test(d.orgnr)) problems.push('destination.orgnr: must be 9 digits');
    if (d.herId !== undefined && !/^\d{1,9}$/.test(d.herId)) problems.push('destination.herId: must be digits');
  }
  const r = input.replyTo;
  if (r !== undefined) {
    if (typeof r.orgnr !== 'string' || !/^\d{9}$/.test(r.orgnr)) problems.push('replyTo.orgnr: must be 9 digits');
    if (r.endpoint !== undefined && !isHttpUrl(r.endpoint)) problems.push('replyTo.endpoint: must be an http(s) URL');
  }
  if (problems.length) throw new TypeError(`Invalid delivery job data: ${problems.join('; ')}`);
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    if (input[k] === undefined) continue;
    out[k] =
      k === 'destination'
        ? pickDestination(input.destination!)
        : k === 'replyTo'
          ? pickReplyTo(input.replyTo!)
          : input[k];
  }
  return out as unknown as DeliveryJobData;
}

function pickDestination(d: { orgnr?: string; herId?: string }): { orgnr?: string; herId?: string } {
  return { ...(d.orgnr !== undefined ? { orgnr: d.orgnr } : {}), ...(d.herId !== undefined ? { herId: d.herId } : {}) };
}

function pickReplyTo(r: { orgnr: string; endpoint?: string }): { orgnr: string; endpoint?: string } {
  return { orgnr: r.orgnr, ...(r.endpoint !== undefined ? { endpoint: r.endpoint } : {}) };
}

function isHttpUrl(s: unknown): boolean {
  if (typeof s !== 'string' || s.length > 2048) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
