import type {
  Address,
  Extension,
  HumanName as FhirName,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  RelatedPerson,
} from '@medplum/fhirtypes';
import { clean, codeable, codeOf, EXT, extensionOf, SYSTEMS } from './fhir-conventions';
import type { HumanName, IpParticipant, IpPerson } from './ip-document';
import type { FromFhirContext, Located, ToFhirContext } from './mapping-context';

/** The identity part of a participant row: who they are, not what role they hold. */
export type ParticipantIdentity = Omit<IpParticipant, 'role' | 'onBehalfOf' | 'period'>;

const toFhirName = (n: HumanName | undefined): FhirName[] | undefined =>
  n ? [clean({ family: n.family, given: n.given })] : undefined;
const fromFhirName = (names: FhirName[] | undefined): HumanName | undefined => {
  const n = names?.[0];
  return n ? clean({ family: n.family, given: n.given }) : undefined;
};
const valueIn = (ids: Identifier[] | undefined, system: string): string | undefined =>
  ids?.find((i) => i?.system === system)?.value;

/** The person → Patient: person number, name, birth date, home address with kommunenummer, languages, interpreter. */
export function patientFromPerson(p: IpPerson): Patient {
  const a = p.address;
  const address: Address | undefined = a
    ? clean({
        use: a.use,
        line: a.lines,
        postalCode: a.postalCode,
        city: a.city,
        district: a.district,
        // The no-basis municipality code sits on the district's primitive extension.
        _district: a.kommunenummer
          ? {
              extension: [
                {
                  url: EXT.municipality,
                  valueCoding: clean({ system: SYSTEMS.kommune, code: a.kommunenummer, display: a.kommuneName }),
                },
              ],
            }
          : undefined,
      } as Address)
    : undefined;
  return clean({
    resourceType: 'Patient' as const,
    id: p.key,
    extension:
      p.interpreterNeeded !== undefined
        ? [{ url: EXT.interpreterRequired, valueBoolean: p.interpreterNeeded }]
        : undefined,
    identifier: [
      {
        system: p.personNumber.kind === 'd-nummer' ? SYSTEMS.dNummer : SYSTEMS.fodselsnummer,
        value: p.personNumber.value,
      },
    ],
    name: toFhirName(p.name),
    gender: p.gender,
    birthDate: p.birthDate,
    address: address ? [address] : undefined,
    communication: p.languages?.map((l) =>
      clean({ language: codeable(SYSTEMS.bcp47, l.code), preferred: l.preferred })
    ),
  });
}

/** Patient → the person. Fødselsnummer is preferred over D-nummer; the home address (else the first) is read. */
export function personFromPatient(located: Located<Patient>, where: string, ctx: FromFhirContext): IpPerson {
  const p = located.resource;
  const fnr = valueIn(p.identifier, SYSTEMS.fodselsnummer);
  const dnr = valueIn(p.identifier, SYSTEMS.dNummer);
  if (!fnr && !dnr) ctx.problem('required', 'The Patient carries no fødselsnummer or D-nummer', `${where}.identifier`);
  const a = p.address?.find((x) => x?.use === 'home') ?? p.address?.[0];
  const district = (a as (Address & { _district?: { extension?: Extension[] } }) | undefined)?._district;
  const municipality = extensionOf(district?.extension, EXT.municipality)?.valueCoding;
  return clean({
    key: located.key,
    personNumber: fnr
      ? { kind: 'fodselsnummer' as const, value: fnr }
      : { kind: 'd-nummer' as const, value: dnr ?? '' },
    name: fromFhirName(p.name),
    birthDate: p.birthDate,
    gender: p.gender,
    address: a
      ? clean({
          use: a.use as NonNullable<IpPerson['address']>['use'],
          lines: a.line,
          postalCode: a.postalCode,
          city: a.city,
          district: a.district,
          kommunenummer: municipality?.code,
          kommuneName: municipality?.display,
        })
      : undefined,
    languages: p.communication?.map((c) =>
      clean({
        code: codeOf(c.language, SYSTEMS.bcp47) ?? c.language?.coding?.[0]?.code ?? c.language?.text ?? '',
        preferred: c.preferred,
      })
    ),
    interpreterNeeded: extensionOf(p.extension, EXT.interpreterRequired)?.valueBoolean,
  });
}

/**
 * One participant's identity, merged from every row with its key (someone holding two roles is listed
 * twice; identity may be on either row, the first value wins).
 */
export function mergeIdentity(rows: IpParticipant[]): ParticipantIdentity {
  const [first] = rows;
  const pick = <K extends 'identifiers' | 'name' | 'organisationName' | 'relationship'>(
    k: K
  ): IpParticipant[K] | undefined => rows.find((r) => r[k] !== undefined)?.[k];
  return clean({
    key: first.key,
    kind: first.kind,
    identifiers: pick('identifiers'),
    name: pick('name'),
    organisationName: pick('organisationName'),
    relationship: pick('relationship'),
  });
}

/** A participant (not the person) → Practitioner, RelatedPerson or Organization. */
export function partyResource(
  p: ParticipantIdentity,
  personKey: string,
  ctx: ToFhirContext
): Practitioner | RelatedPerson | Organization {
  const ids = p.identifiers ?? {};
  switch (p.kind) {
    case 'practitioner':
      return clean({
        resourceType: 'Practitioner' as const,
        id: p.key,
        identifier: [
          ...(ids.hprNummer ? [{ system: SYSTEMS.hpr, value: ids.hprNummer }] : []),
          ...(ids.herId ? [{ system: SYSTEMS.herId, value: ids.herId }] : []),
        ],
        name: toFhirName(p.name),
      });
    case 'relative':
      return clean({
        resourceType: 'RelatedPerson' as const,
        id: p.key,
        identifier: ctx.identifier(`relatedperson-${p.key}`),
        patient: ctx.ref(personKey),
        relationship: p.relationship ? [codeable(SYSTEMS.roleCode, p.relationship)] : undefined,
        name: toFhirName(p.name),
      });
    case 'organisation':
      return clean({
        resourceType: 'Organization' as const,
        id: p.key,
        identifier: [
          ...(ids.orgnr ? [{ system: SYSTEMS.orgnr, value: ids.orgnr }] : []),
          ...(ids.herId ? [{ system: SYSTEMS.herId, value: ids.herId }] : []),
        ],
        name: p.organisationName,
      });
    case 'person':
      throw new Error('the person is the Patient, made from IpDocument.person');
  }
}

/** Practitioner, RelatedPerson or Organization → a participant's identity. */
export function identityFromResource(
  located: Located<Practitioner | RelatedPerson | Organization>
): ParticipantIdentity {
  const r = located.resource;
  const identifiers = (entries: [keyof NonNullable<ParticipantIdentity['identifiers']>, string | undefined][]) => {
    const present = entries.filter(([, v]) => v !== undefined);
    return present.length ? Object.fromEntries(present) : undefined;
  };
  switch (r.resourceType) {
    case 'Practitioner':
      return clean({
        key: located.key,
        kind: 'practitioner' as const,
        identifiers: identifiers([
          ['hprNummer', valueIn(r.identifier, SYSTEMS.hpr)],
          ['herId', valueIn(r.identifier, SYSTEMS.herId)],
        ]),
        name: fromFhirName(r.name),
      });
    case 'RelatedPerson':
      return clean({
        key: located.key,
        kind: 'relative' as const,
        name: fromFhirName(r.name),
        relationship: codeOf(r.relationship, SYSTEMS.roleCode),
      });
    case 'Organization':
      return clean({
        key: located.key,
        kind: 'organisation' as const,
        identifiers: identifiers([
          ['orgnr', valueIn(r.identifier, SYSTEMS.orgnr)],
          ['herId', valueIn(r.identifier, SYSTEMS.herId)],
        ]),
        organisationName: r.name,
      });
  }
}
