import type { ConsentSummary } from './consent-summary';

export const FRITAK = 'taushetsplikt-fritak';

/** The organisation a message would go to: its organisasjonsnummer and the HER-ids of its endpoints. */
export interface GateRecipient {
  orgnr: string;
  herIds: string[];
  name?: string;
}

export type ConsentDecision = { allowed: true; reason: string } | { allowed: false; reason: string };

/** Events that need a permitting fritak; an epikrise is stopped only by a deny. */
const NEEDS_PERMIT = new Set(['ip-plan-copy', 'koordinator-handover']);

const names = (actor: { orgnr?: string; herId?: string }, r: GateRecipient): boolean =>
  (!!actor.orgnr && actor.orgnr === r.orgnr) || (!!actor.herId && r.herIds.includes(actor.herId));

/** A date or dateTime boundary: a bare date as the start of that day (start) or its end (end), in UTC. */
function instant(value: string, end: boolean): number {
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) {
    const [y, m = '01', d = '01'] = value.split('-');
    const start = Date.UTC(Number(y), Number(m) - 1, Number(d));
    if (!end) return start;
    if (value.length === 4) return Date.UTC(Number(y) + 1, 0, 1) - 1;
    if (value.length === 7) return Date.UTC(Number(y), Number(m), 1) - 1;
    return start + 24 * 3600 * 1000 - 1;
  }
  return Date.parse(value);
}

export function periodCovers(period: ConsentSummary['period'], at: Date): boolean {
  const t = at.getTime();
  if (period?.start && instant(period.start, false) > t) return false;
  if (period?.end && instant(period.end, true) < t) return false;
  return true;
}

/**
 * The consent gate (issue 4 and CONTRACT.md): a plan copy or handover goes only to an organisation
 * that an active taushetsplikt-fritak of the patient permits at `at` (status active, provision
 * permit, its period covering `at`, provision.actor naming the organisation by organisasjonsnummer
 * or HER-id). An active Consent that denies the recipient (provision deny naming it, or a nested
 * deny provision naming it) blocks every event, an epikrise too.
 */
export function decideConsent(
  event: string,
  consents: ConsentSummary[],
  recipient: GateRecipient,
  at: Date
): ConsentDecision {
  const who = `${recipient.name ? `${recipient.name} ` : ''}(orgnr ${recipient.orgnr})`;
  const inForce = consents.filter((c) => c.status === 'active' && periodCovers(c.period, at));
  const deny = inForce.find(
    (c) =>
      (c.type === 'deny' && c.actors.some((a) => names(a, recipient))) ||
      c.deniedActors.some((a) => names(a, recipient))
  );
  if (deny) return { allowed: false, reason: `consent ${deny.identifier ?? '(no identifier)'} denies ${who}` };
  if (!NEEDS_PERMIT.has(event)) return { allowed: true, reason: 'no consent denies the recipient' };
  const fritak = consents.filter((c) => c.category === FRITAK);
  const permit = inForce.find(
    (c) => c.category === FRITAK && c.type === 'permit' && c.actors.some((a) => names(a, recipient))
  );
  if (permit)
    return {
      allowed: true,
      reason: `taushetsplikt-fritak ${permit.identifier ?? ''} permits ${who}`.replace('  ', ' '),
    };
  if (fritak.length === 0) return { allowed: false, reason: `no taushetsplikt-fritak Consent: nothing permits ${who}` };
  const naming = fritak.filter((c) => c.type === 'permit' && c.actors.some((a) => names(a, recipient)));
  if (naming.length === 0) return { allowed: false, reason: `no taushetsplikt-fritak names ${who}` };
  const c = naming[0];
  if (c.status !== 'active')
    return {
      allowed: false,
      reason:
        `the taushetsplikt-fritak ${c.identifier ?? ''} naming ${who} is ${c.status ?? 'without status'}, not active`.replace(
          '  ',
          ' '
        ),
    };
  return {
    allowed: false,
    reason:
      `the taushetsplikt-fritak ${c.identifier ?? ''} naming ${who} is not in force at ${at.toISOString()} (period ${c.period?.start ?? '…'} to ${c.period?.end ?? '…'})`.replace(
        '  ',
        ' '
      ),
  };
}
