import { acceptMessage, messageStatus, type IntakeDeps } from '@ipbro/message-intake';
import { notFound, OutcomeError, serviceUnavailable } from '@ipbro/outcome';
import { authOf, createServiceApp, SCOPES, sendOutcome, type Authenticator, type Logger, type ReadinessCheck } from '@ipbro/service-kit';
import type { Express, NextFunction, Request, Response } from 'express';

export interface GatewayOptions extends IntakeDeps {
  logger: Logger;
  auth: Authenticator;
  readiness?: ReadinessCheck[];
  bodyLimit?: number;
}

/** Anything but an OutcomeError while queueing means Redis is not there: 503, never a 202 without a durable job. */
function storageGuard(err: unknown): never {
  if (err instanceof OutcomeError) throw err;
  throw serviceUnavailable('The message could not be stored durably right now; nothing was queued. Try again.');
}

export function createGatewayApp(options: GatewayOptions): Express {
  const kit = createServiceApp({ name: 'gateway', logger: options.logger, readiness: options.readiness, body: { limit: options.bodyLimit ?? 25 * 1024 * 1024 } });
  const { app } = kit;
  app.post('/fhir/$process-message', options.auth.requireScope(SCOPES.write), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = authOf(res);
      const result = await acceptMessage(req.body, { orgnr: auth.orgnr, ops: auth.scopes.includes(SCOPES.ops) }, options).catch(storageGuard);
      const meta = { event: result.record?.event, sender: result.record?.sender, messageId: result.record?.id, status: result.status };
      options.logger.info(meta, result.status === 202 ? 'message accepted' : 'message answered');
      if (result.status === 202) sendOutcome(res, 202, result.outcome, { Location: result.location });
      else sendOutcome(res, 200, result.body);
    } catch (err) {
      next(err);
    }
  });
  app.get('/messages/:id', options.auth.requireScope(SCOPES.read, SCOPES.ops), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = authOf(res);
      const status = await messageStatus(String(req.params.id), { orgnr: auth.orgnr, ops: auth.scopes.includes(SCOPES.ops) }, options.ledger).catch(storageGuard);
      if (!status) throw notFound(`No message ${req.params.id} from your organisation`);
      res.json(status);
    } catch (err) {
      next(err);
    }
  });
  return kit.finish();
}
