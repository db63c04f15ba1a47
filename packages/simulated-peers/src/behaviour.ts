import { badRequest } from '@ipbro/outcome';

/**
 * What the simulated koordinerende enhet answers. `sequence` is consumed one answer per new message
 * (the last one repeats):
 *   'ok'                 200 + a receipt message (response.code ok)
 *   'later'              202 at once; the receipt is posted to the gateway after laterMs
 *   '202'                202, and no receipt ever (a recipient that goes silent)
 *   'transient-error', 'fatal-error'   200 + a receipt with that code
 *   'timeout'            the request is held open for holdMs, then 504 (the KE did take the message)
 *   '400', '503', …      that HTTP status with an OperationOutcome
 */
export interface Behaviour {
  sequence: string[];
  laterMs?: number;
  holdMs?: number;
}

const ANSWER = /^(ok|later|timeout|transient-error|fatal-error|[1-5]\d\d)$/;

/**
 * A behaviour from the control API or the environment: a mode (`ok`, `later`, `fail` with a
 * sequence), a bare sequence (`["503","503","ok"]`), or text (`"503,503,ok"`). Throws a 400 that
 * names the offending element.
 */
export function parseBehaviour(input: unknown): Behaviour {
  if (typeof input === 'string')
    return parseBehaviour({
      sequence: input
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    });
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw badRequest(
      'a behaviour is a JSON object: { "mode": "ok" | "later" | "fail", "sequence": [...], "laterMs", "holdMs" }'
    );
  const b = input as Record<string, unknown>;
  let sequence: unknown = b.sequence;
  if (b.mode !== undefined) {
    if (b.mode === 'ok' || b.mode === 'later') sequence ??= [b.mode];
    else if (b.mode !== 'fail') throw badRequest(`unknown mode ${JSON.stringify(b.mode)}: ok, later or fail`, 'mode');
    else if (sequence === undefined)
      throw badRequest('mode fail needs a sequence, e.g. ["503","503","503","ok"]', 'sequence');
  }
  if (typeof sequence === 'string')
    sequence = sequence
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (!Array.isArray(sequence) || sequence.length === 0)
    throw badRequest('sequence must be a non-empty list of answers', 'sequence');
  sequence.forEach((a, i) => {
    if (typeof a !== 'string' || !ANSWER.test(a))
      throw badRequest(
        `${JSON.stringify(a)} is not an answer: ok, later, timeout, transient-error, fatal-error or an HTTP status`,
        `sequence[${i}]`
      );
  });
  const behaviour: Behaviour = { sequence: sequence as string[] };
  for (const name of ['laterMs', 'holdMs'] as const) {
    const v = b[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw badRequest(`${name} must be a whole number of milliseconds`, name);
    behaviour[name] = v;
  }
  return behaviour;
}
