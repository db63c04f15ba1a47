import type { AuditPort } from '@ipbro/audit';
import { acceptMessage, messageStatus, type IntakeDeps } from '@ipbro/message-intake';
import type { AnswerStore } from '@ipbro/message-ledger';
import { notFound } from '@ipbro/outcome';
import {
  authOf,
  createServiceApp,
  DEFAULT_BODY_LIMIT,
  SCOPES,
  sendOutcome,
  type Authenticator,
  type Logger,
  type ReadinessCheck,
} from '@ipbro/service-kit';
import type { Express, NextFunction, Request, Response } from 'express';

/** The audit trail as the gateway uses it: intake writes to it, ops read a message's trail. */
export interface GatewayAudit extends AuditPort {
  forMessage(messageId: string): Promise<{ event: string }[]>;
}

export interface GatewayOptions extends IntakeDeps {
  audit?: GatewayAudit;
  logger: Logger;
  auth: Authenticator;
  readiness?: ReadinessCheck[];
  /** The kommuner's answers to meldeplikter, shown in a meldeplikt's status (to its sender only, names and all). */
  answers?: AnswerStore;
  /** Largest body accepted, in bytes (413 past it); default 32 MB. */
  bodyLimit?: number;
  /** Bytes of bodies read, parsed or handled at once (503 + Retry-After past it); default twice the body limit. */
  bodyBytesInFlight?: number;
}

/**
 * The gateway's HTTP face; the decisions live in @ipbro/message-intake.
 *   POST /fhir/$process-message   scope ipbro:message.write
 *   GET  /messages/:id            scope ipbro:message.read (own messages) or ipbro:ops (any)
 */
export function createGatewayApp(options: GatewayOptions): Express {
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  // The token is checked from the headers before the body is read: a stranger's body is never read.
  const kit = createServiceApp({
    name: 'gateway',
    logger: options.logger,
    readiness: options.readiness,
    bodyParsing: 'route',
    body: { limit, inFlightBytes: options.bodyBytesInFlight ?? 2 * limit },
  });
  const { app } = kit;

  const write = options.auth.requireScope(SCOPES.write);
  app.post('/fhir/$process-message', write, kit.body, processMessage(options));

  app.get(
    '/messages/:id',
    options.auth.requireScope(SCOPES.read, SCOPES.ops),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const status = await messageStatus(
          String(req.params.id),
          authOf(res),
          options.ledger,
          options.audit,
          options.answers
        );
        // The same answer for "not yours" as for "no such id": another organisation learns nothing.
        if (!status) throw notFound(`No message ${req.params.id} from your organisation`);
        res.json(status);
      } catch (err) {
        next(err);
      }
    }
  );

  // The audit trail of one message id (every sender's): ops only; the read is itself recorded.
  app.get(
    '/messages/:id/audit',
    options.auth.requireScope(SCOPES.ops),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        if (!options.audit) throw notFound('This gateway keeps no audit trail');
        const id = String(req.params.id);
        const auth = authOf(res);
        const records = await options.audit.forMessage(id);
        await options.audit.record({
          event: 'audit.read',
          messageId: id,
          outcome: 'success',
          who: { ...(auth.clientId ? { clientId: auth.clientId } : {}), ...(auth.orgnr ? { orgnr: auth.orgnr } : {}) },
          detail: `${records.length} records`,
        });
        res.json({ messageId: id, records });
      } catch (err) {
        next(err);
      }
    }
  );

  return kit.finish();
}

/** POST /fhir/$process-message: accept a message (202), answer a repeat or record a receipt (200). */
function processMessage(options: GatewayOptions): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const auth = authOf(res);
      const result = await acceptMessage(req.body, auth, options);
      if (result.status === 202) {
        // Logged once, by the audit trail's `message.received` line (with the request's request log).
        sendOutcome(res, 202, result.outcome, { Location: result.location });
      } else if (result.kind === 'repeat') {
        options.logger.info(
          {
            requestId: res.locals.requestId,
            sender: result.record.sender,
            messageId: result.record.id,
            state: result.record.state,
          },
          'message seen before'
        );
        sendOutcome(res, 200, result.body, { 'Content-Location': `/messages/${encodeURIComponent(result.record.id)}` });
      } else {
        options.logger.info(
          {
            requestId: res.locals.requestId,
            sender: auth.orgnr,
            answers: result.records.map((r) => r.id),
            state: result.records.map((r) => r.state),
          },
          'receipt recorded'
        );
        sendOutcome(res, 200, result.body);
      }
    } catch (err) {
      next(err);
    }
  };
}
