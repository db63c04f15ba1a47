import { createServiceApp, type Logger } from '@ipbro/service-kit';
import axios from 'axios';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HospitalSimulatorOptions {
  logger: Logger;
  gatewayUrl: string;
  orgnr: string;
  /** Returns a bearer token for the gateway. */
  token: () => Promise<string>;
  /** The meldeplikt to send (defaults to the contract's example). */
  meldepliktTemplate?: unknown;
}

const EXAMPLE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json');

/**
 * A simulated hospital system: `POST /send/meldeplikt` sends a meldeplikt (a fresh message id each
 * time) to the gateway; receipts arrive at `POST /fhir/$process-message` and are listed at
 * `GET /_sim/received`.
 */
export function createHospitalSimulator(options: HospitalSimulatorOptions): Express {
  const kit = createServiceApp({ name: 'hospital-simulator', logger: options.logger });
  const received: { at: string; body: unknown }[] = [];
  const sent: { id: string; status: number; location?: string }[] = [];
  kit.app.post('/send/meldeplikt', async (_req, res, next) => {
    try {
      const bundle = JSON.parse(JSON.stringify(options.meldepliktTemplate ?? JSON.parse(readFileSync(EXAMPLE, 'utf8'))));
      bundle.entry[0].resource.id = randomUUID();
      const r = await axios.post(`${options.gatewayUrl}/fhir/$process-message`, bundle, {
        headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${await options.token()}` },
        validateStatus: () => true,
      });
      sent.push({ id: bundle.entry[0].resource.id, status: r.status, location: r.headers.location });
      res.status(r.status).json({ id: bundle.entry[0].resource.id, status: r.status, location: r.headers.location, answer: r.data });
    } catch (err) {
      next(err);
    }
  });
  kit.app.post('/fhir/$process-message', (req, res) => {
    received.push({ at: new Date().toISOString(), body: req.body });
    res.status(202).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'received' }] });
  });
  kit.app.get('/_sim/received', (_req, res) => {
    res.json(received);
  });
  kit.app.get('/_sim/sent', (_req, res) => {
    res.json(sent);
  });
  return kit.finish();
}
