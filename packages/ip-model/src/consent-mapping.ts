import type { Consent, ConsentProvision } from '@medplum/fhirtypes';
import { clean, codeable, codeOf, CS, EXT, extensionOf, SYSTEMS } from './fhir-conventions';
import type { ConsenterRole, ConsentKind, IpConsent } from './ip-document';
import type { FromFhirContext, Located, ToFhirContext } from './mapping-context';

const KINDS: readonly ConsentKind[] = ['ip-samtykke', 'taushetsplikt-fritak', 'melding-samtykke'];
/** consentscope: the plan is treatment; the waiver and the notice concern privacy. */
const defaultScope = (kind: ConsentKind): string => (kind === 'ip-samtykke' ? 'treatment' : 'patient-privacy');
/** The waiver's parties are recipients of information (v3-ParticipationType IRCP). */
const RECIPIENT = () => codeable(SYSTEMS.participationType, 'IRCP');

/**
 * § 19 h: a consent → Consent (ip-consent). Who consented is performer[0], in what capacity the
 * ip-consenter-role extension, why a representative the ip-representation-reason extension. The
 * waiver's permitted parties are provision.actor[] (with what each may see), denied parties a nested deny provision.
 */
export function consentToFhir(c: IpConsent, personKey: string, ctx: ToFhirContext): Consent {
  return clean({
    resourceType: 'Consent' as const,
    id: c.key,
    extension: [
      ...(c.givenAs ? [{ url: EXT.consenterRole, valueCode: c.givenAs }] : []),
      ...(c.representationReason ? [{ url: EXT.representationReason, valueString: c.representationReason }] : []),
    ],
    identifier: ctx.identifier(`consent-${c.key}`),
    status: c.status,
    scope: codeable(SYSTEMS.consentScope, c.scope ?? defaultScope(c.kind)),
    category: [codeable(CS.consentCategory, c.kind)],
    patient: ctx.ref(personKey),
    dateTime: c.dateTime,
    performer: [ctx.ref(c.givenBy)],
    policy: c.policy?.map((p) => clean({ authority: p.authority, uri: p.uri })),
    provision: clean({
      type: c.decision ?? 'permit',
      period: c.period ? clean({ start: c.period.start, end: c.period.end }) : undefined,
      actor: c.permits?.map((a) => ({
        ...(a.informationScope ? { extension: [{ url: EXT.informationScope, valueString: a.informationScope }] } : {}),
        role: RECIPIENT(),
        reference: ctx.ref(a.participant),
      })),
      // One deny provision per denied party: permit or deny is decided party by party.
      provision: c.denies?.map((d) => ({
        type: 'deny' as const,
        actor: [{ role: RECIPIENT(), reference: ctx.ref(d.participant) }],
      })),
    } as ConsentProvision),
  });
}

/** Consent → a consent of the document. */
export function consentFromFhir(located: Located<Consent>, where: string, ctx: FromFhirContext): IpConsent {
  const c = located.resource;
  const kind = codeOf(c.category, CS.consentCategory) as ConsentKind | undefined;
  if (!kind || !KINDS.includes(kind))
    ctx.problem(
      'code-invalid',
      `A consent needs a category coded from ${CS.consentCategory} (${KINDS.join(', ')})`,
      `${where}.category`
    );
  const scope = codeOf(c.scope, SYSTEMS.consentScope);
  const provision = c.provision;
  const nested = provision?.provision ?? [];
  nested.forEach((p, i) => {
    if (p?.type !== 'deny')
      ctx.problem(
        'not-supported',
        'A nested provision of an IP consent denies parties (type deny)',
        `${where}.provision.provision[${i}].type`
      );
  });
  const denies = nested.flatMap((p, i) =>
    (p?.actor ?? []).map((a, j) => ({
      participant: ctx.keyOf(a?.reference, `${where}.provision.provision[${i}].actor[${j}].reference`),
    }))
  );
  return clean({
    key: located.key,
    kind: kind ?? 'ip-samtykke',
    status: c.status,
    scope: scope !== undefined && scope !== defaultScope(kind ?? 'ip-samtykke') ? scope : undefined,
    dateTime: c.dateTime,
    givenBy: ctx.keyOf(c.performer?.[0], `${where}.performer[0]`, ['Patient', 'RelatedPerson']),
    givenAs: extensionOf(c.extension, EXT.consenterRole)?.valueCode as ConsenterRole | undefined,
    representationReason: extensionOf(c.extension, EXT.representationReason)?.valueString,
    policy: c.policy?.map((p) => clean({ authority: p.authority, uri: p.uri })),
    decision: provision?.type === 'deny' ? ('deny' as const) : undefined,
    period: provision?.period ? clean({ start: provision.period.start, end: provision.period.end }) : undefined,
    permits: provision?.actor?.map((a, i) =>
      clean({
        participant: ctx.keyOf(a?.reference, `${where}.provision.actor[${i}].reference`),
        informationScope: extensionOf(a?.extension, EXT.informationScope)?.valueString,
      })
    ),
    denies: denies.length ? denies : undefined,
  });
}
