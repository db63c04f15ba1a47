import type { Request, Response } from 'express';

/** A readiness check: resolves when the dependency is usable, rejects (or returns a reason) when not. */
export type ReadinessCheck = { name: string; check: () => Promise<void | string> };

export function healthzHandler(_req: Request, res: Response): void {
  res.json({ status: 'ok' });
}

/** 200 when every check passes, else 503 naming the failing checks. */
export function readyzHandler(checks: ReadinessCheck[]) {
  return async (_req: Request, res: Response): Promise<void> => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          const reason = await Promise.race([
            c.check(),
            new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), 2000).unref()),
          ]);
          return { name: c.name, ok: typeof reason !== 'string', ...(typeof reason === 'string' ? { reason } : {}) };
        } catch (err) {
          return { name: c.name, ok: false, reason: (err as Error).message };
        }
      })
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  };
}
