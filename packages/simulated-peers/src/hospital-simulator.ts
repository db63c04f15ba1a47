import { badRequest } from '@ipbro/outcome';
import { createServiceApp, type Logger } from '@ipbro/service-kit';
import type { Bundle, BundleEntry, MessageHeader, Patient } from '@medplum/fhirtypes';
import type { Express, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHandover } from './handover-message';
import { answerIn, type ReceivedAnswer } from './hospital-answers';
import { receiptIn, type ReceivedReceipt } from './received-receipts';
import { receiptFrom } from './receipt-message';

export interface HospitalSimulatorOptions {
  logger: Logger;
  /** The gateway's base URL; messages go to `{gatewayUrl}/fhir/$process-message`. */
  gatewayUrl: string;
  /** A bearer token for the gateway (e.g. @ipbro/client-credentials' `clientCredentialsTokenSource`). */
  token: () => Promise<string>;
  /** Where this hospital takes receipts: written into MessageHeader.source.endpoint when given. */
  receiptEndpoint?: string;
  /** The meldeplikt to send (default: the contract's example). */
  meldepliktTemplate?: Bundle;
}

export interface SentMessage {
  id: string;
  status: number;
  location?: string;
}

const EXAMPLES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
const EXAMPLE = join(EXAMPLES, 'meldeplikt.json');
/** The organisasjonsnummer of the demo directory's helseforetak, by the path their koordinerende enhet takes messages at. */
const HOSPITAL_ORGNR: Record<string, string> = {
  '': '997005562',
  ous: '993467049',
  stolav: '883974832',
  bergen: '983974724',
};
const example = (file: string): Bundle => JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Bundle;
/** The documents a hospital sends: the contract's epikrise, and a handover built from its plan copy (which comes from a kommune). */
const DOCUMENTS: Record<string, () => Bundle> = {
  epikrise: () => example('epikrise.json'),
  'koordinator-handover': () => buildHandover(example('ip-plan-copy.json')),
};

/**
 * A document example with a fresh MessageHeader.id and, when `to` is given, that organisation as the
 * explicit destination (CONTRACT.md: it wins over the home kommune): named by `receiver`, its
 * `endpoint` the URL the message goes to (the hospital sends through the gateway, `to.via`).
 */
export function buildDocument(template: Bundle, to?: { orgnr: string; via: string }, receiptEndpoint?: string): Bundle {
  const bundle = buildMeldeplikt(template, undefined, receiptEndpoint);
  if (to !== undefined) {
    if (!/^\d{9}$/.test(to.orgnr)) throw badRequest('to must be an organisasjonsnummer (9 digits)', 'to');
    const header = bundle.entry![0].resource as MessageHeader;
    header.destination = [
      { endpoint: to.via, receiver: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: to.orgnr } } },
    ];
  }
  return bundle;
}

/** The patient to send: a Patient resource, `{ "patient": Patient }`, or nothing (the template's). */
function patientFrom(body: unknown): Patient | undefined {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0))
    return undefined;
  const candidate =
    (body as { resourceType?: string; patient?: unknown }).resourceType === 'Patient'
      ? body
      : (body as { patient?: unknown }).patient;
  if (!candidate || typeof candidate !== 'object' || (candidate as Patient).resourceType !== 'Patient') {
    throw badRequest('Send a FHIR Patient, { "patient": Patient }, or no body for the example patient', '$this');
  }
  return candidate as Patient;
}

/**
 * The meldeplikt to post: the template with a fresh MessageHeader.id and, when given, the patient put
 * in place of the template's (same fullUrl and id, so the Task, Consent and header still point at it).
 */
export function buildMeldeplikt(template: Bundle, patient?: Patient, receiptEndpoint?: string): Bundle {
  const bundle = structuredClone(template);
  const entries = bundle.entry as BundleEntry[];
  const header = entries[0].resource as MessageHeader;
  header.id = randomUUID();
  if (receiptEndpoint) header.source = { ...header.source, endpoint: receiptEndpoint };
  bundle.id = randomUUID();
  bundle.timestamp = new Date().toISOString();
  if (patient) {
    const slot = entries.find((e) => e.resource?.resourceType === 'Patient');
    if (!slot) throw new Error('The meldeplikt template has no Patient to replace');
    slot.resource = { ...patient, id: slot.resource?.id };
  }
  return bundle;
}

/** What the hospital took, oldest first (GET /_sim/received). */
type ReceivedMessage = { at: string; hospital?: string; body: unknown };

/** Posts a message to the gateway with the hospital's token; answers what the gateway answered, and keeps it in /_sim/sent. */
async function sendMessage(
  options: HospitalSimulatorOptions,
  sent: SentMessage[],
  bundle: Bundle,
  res: Response,
  what: string
): Promise<void> {
  const id = (bundle.entry?.[0].resource as MessageHeader).id as string;
  const answer = await fetch(`${options.gatewayUrl}/fhir/$process-message`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/fhir+json',
      Authorization: `Bearer ${await options.token()}`,
      'X-Request-Id': id,
    },
    body: JSON.stringify(bundle),
  });
  const location = answer.headers.get('location') ?? undefined;
  const text = await answer.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: shown as the text it was.
  }
  sent.push({ id, status: answer.status, ...(location ? { location } : {}) });
  options.logger.info({ messageId: id, event: what, status: answer.status }, 'message sent');
  res.status(answer.status).json({ id, status: answer.status, ...(location ? { location } : {}), answer: parsed });
}

// The demo directory's koordinerende enheter of the helseforetak: this one at /fhir, the others at
// /{ous|stolav|bergen}/fhir. Each takes messages and receipts alike and answers at once.
function messageTaker(
  options: HospitalSimulatorOptions,
  received: ReceivedMessage[],
  answers: Map<string, ReceivedAnswer>,
  receipts: ReceivedReceipt[]
): (req: Request, res: Response) => void {
  return (req: Request, res: Response) => {
    const hospital = typeof req.params.hospital === 'string' ? req.params.hospital : undefined;
    const at = new Date().toISOString();
    received.push({ at, ...(hospital ? { hospital } : {}), body: req.body });
    const header = (req.body as Bundle | undefined)?.entry?.[0]?.resource as MessageHeader | undefined;
    const answer = answerIn(req.body as Bundle, at, hospital);
    if (answer) {
      const seen = answers.get(answer.id);
      if (seen) seen.count++;
      else answers.set(answer.id, answer);
    }
    if (header?.id && header.eventCoding?.code && !header.response) {
      // A message, not a receipt: taken, and said so at once (the receipt names its id).
      options.logger.info({ messageId: header.id, event: header.eventCoding.code }, 'message received');
      const orgnr = HOSPITAL_ORGNR[hospital ?? ''] ?? HOSPITAL_ORGNR[''];
      const name = 'Koordinerende enhet (simulert sykehus)';
      const from = { name, source: `${name}, fagsystem`, endpoint: `urn:ipbro:sim:hospital:${orgnr}`, orgnr };
      res
        .status(200)
        .type('application/fhir+json')
        .send(JSON.stringify(receiptFrom(header.id, 'ok', from, header.eventCoding.code)));
      return;
    }
    const receipt = receiptIn(req.body as Bundle, at, hospital ? { hospital } : {});
    if (receipt) receipts.push(receipt);
    options.logger.info({ answers: header?.response?.identifier, code: header?.response?.code }, 'receipt received');
    res.status(200).json({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: 'received' }],
    });
  };
}

/**
 * A simulated hospital system (demo and tests):
 *   POST /send/meldeplikt        sends a meldeplikt (a fresh message id each time) with a token;
 *                                the body may name the patient; answers what the gateway answered
 *   POST /send/epikrise[?to=orgnr] the contract's epikrise with a fresh id, to `to` when given
 *   POST /send/koordinator-handover  the midlertidig-koordinator hands the contract's plan to the kommune
 *   POST /fhir/$process-message  takes receipts (the address in MessageHeader.source.endpoint) and
 *                                messages (answered with an ok receipt); /{hospital}/fhir/$process-message
 *                                the same for the demo directory's other helseforetak
 *   GET  /_sim/received          what was taken, oldest first
 *   GET  /_sim/answers           the kommuner's meldeplikt-svar: meldeplikt, status, koordinator
 *   GET  /_sim/receipts          the receipts for what it sent: which message, ok or not, and why
 *   GET  /_sim/sent              the messages sent and the gateway's status for each
 */
export function createHospitalSimulator(options: HospitalSimulatorOptions): Express {
  const kit = createServiceApp({ name: 'hospital-simulator', logger: options.logger });
  const received: ReceivedMessage[] = [];
  const answers = new Map<string, ReceivedAnswer>();
  const receipts: ReceivedReceipt[] = [];
  const sent: SentMessage[] = [];
  let template: Bundle | undefined = options.meldepliktTemplate;

  kit.app.post('/send/meldeplikt', async (req, res, next) => {
    try {
      template ??= JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Bundle;
      await sendMessage(
        options,
        sent,
        buildMeldeplikt(template, patientFrom(req.body), options.receiptEndpoint),
        res,
        'meldeplikt'
      );
    } catch (err) {
      next(err);
    }
  });

  // The contract's epikrise or a handover, optionally to another organisation than the home kommune (?to=orgnr).
  kit.app.post('/send/:event', async (req, res, next) => {
    try {
      const make = Object.hasOwn(DOCUMENTS, String(req.params.event)) ? DOCUMENTS[String(req.params.event)] : undefined;
      if (!make) throw badRequest(`Send meldeplikt, ${Object.keys(DOCUMENTS).join(' or ')}`, 'event');
      const to =
        typeof req.query.to === 'string' ? { orgnr: req.query.to, via: `${options.gatewayUrl}/fhir` } : undefined;
      await sendMessage(
        options,
        sent,
        buildDocument(make(), to, options.receiptEndpoint),
        res,
        String(req.params.event)
      );
    } catch (err) {
      next(err);
    }
  });

  const takeMessage = messageTaker(options, received, answers, receipts);
  kit.app.post('/fhir/$process-message', takeMessage);
  kit.app.post('/:hospital/fhir/$process-message', takeMessage);
  kit.app.get('/_sim/received', (_req, res) => {
    res.json(received);
  });
  kit.app.get('/_sim/answers', (_req, res) => {
    res.json([...answers.values()]);
  });
  kit.app.get('/_sim/receipts', (_req, res) => {
    res.json(receipts);
  });
  kit.app.get('/_sim/sent', (_req, res) => {
    res.json(sent);
  });
  return kit.finish();
}
