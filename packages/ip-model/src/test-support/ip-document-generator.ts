import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { uuidV5 } from '../fhir-conventions';
import type { IpConsent, IpDocument, IpMeasure, IpParticipant, LifeArea, Responsible } from '../ip-document';

/**
 * A seeded generator of lawful IP documents for tests and benchmarks. Built into dist (the validation
 * package and the benchmarks use it), but not part of the mapping. No outside randomness: the n-th
 * document is the same on every machine.
 *
 * Lawful as of 2026-11-24 (the validation package's NOW): exactly one active koordinator, at most one
 * active midlertidig-koordinator, consent by age (under 16 a parent or guardian), a representative
 * with a reason, reviews within the plan period, an active consent to the plan.
 */

/** mulberry32: a small, fast, seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LIFE_AREAS: LifeArea[] = [
  'helse-omsorg',
  'dagtid-arbeid-skole',
  'bolig',
  'fritid',
  'okonomi',
  'sosialt-nettverk',
];
const GIVEN = ['Ola', 'Kari', 'Aisha', 'Jonas', 'Mari', 'Øystein', 'Åse', 'Ahmed', 'Sigrid', 'Nils-Petter', 'Máret'];
const FAMILY = ['Nordmann', 'Hansen', 'Olsen', 'Berg', 'Haugen', 'Johansen', 'Ali', 'Larsen', 'Sæther', 'Somby'];
const KOMMUNER: [string, string, string, string][] = [
  ['942953119', 'Ålesund kommune', '1508', 'Ålesund'],
  ['964338531', 'Oslo kommune', '0301', 'Oslo'],
  ['942110464', 'Trondheim kommune', '5001', 'Trondheim'],
  ['964338442', 'Bergen kommune', '4601', 'Bergen'],
];
const HFS: [string, string][] = [
  ['997005562', 'Helse Møre og Romsdal HF'],
  ['993467049', 'Oslo universitetssykehus HF'],
  ['883974832', 'St. Olavs hospital HF'],
  ['983974724', 'Helse Bergen HF'],
];
const MEASURES = [
  'Hjemmesykepleie',
  'Fysioterapi',
  'Ergoterapi',
  'Støttekontakt',
  'Avlastning',
  'Arbeidsavklaring',
  'Boveiledning',
  'Psykisk helsetjeneste',
  'Logoped',
];
const LANGS = ['nb', 'nn', 'se', 'ar', 'so', 'pl', 'en', 'ti', 'uk'];
const NAMED_PROVIDERS = ['NAV Ålesund', 'PPT', 'Skolen', 'Frisklivssentralen'];

/** The n-th generated IP document: varied counts, optional fields, ages, consent shapes and roles. */
export function generateIpDocument(n: number): IpDocument {
  const r = random(n * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const maybe = (p = 0.5): boolean => r() < p;
  const count = (max: number, min = 0): number => min + Math.floor(r() * (max - min + 1));
  const pad = (v: number): string => String(v).padStart(2, '0');
  const name = () => ({ family: pick(FAMILY), given: maybe(0.2) ? [pick(GIVEN), pick(GIVEN)] : [pick(GIVEN)] });

  const [ownerOrgnr, ownerName, kommunenummer, city] = pick(KOMMUNER);
  const planId = `IP-${2024 + count(2)}-${String(n).padStart(4, '0')}`;
  const start = `2026-${pad(1 + count(9))}-01`;
  const end = maybe(0.8) ? `2028-${pad(1 + count(11))}-01` : undefined;
  // Under 16 when consenting (the consent is dated at the plan's start): a parent or guardian consents.
  const young = maybe(0.3);
  const birthDate = `${young ? 2011 + count(13) : 1935 + count(70)}-${pad(1 + count(11))}-${pad(1 + count(27))}`;
  const dNummer = maybe(0.15);

  // § 19 b, c: who takes part. The owner kommune and its koordinator always; a hospital and its
  // midlertidig-koordinator often; relatives; sometimes an agency that is only named (cooperation).
  const participants: IpParticipant[] = [];
  const kommune: IpParticipant = {
    key: 'kommune',
    kind: 'organisation',
    identifiers: { orgnr: ownerOrgnr, ...(maybe() ? { herId: String(8_000_000 + count(99_999)) } : {}) },
    organisationName: ownerName,
  };
  const koordinator: IpParticipant = {
    key: 'koord',
    kind: 'practitioner',
    identifiers: {
      hprNummer: String(1_000_000 + count(8_999_999)),
      ...(maybe(0.2) ? { herId: String(100_000 + count(99_999)) } : {}),
    },
    ...(maybe(0.9) ? { name: name() } : {}),
    role: 'koordinator',
    onBehalfOf: 'kommune',
    ...(maybe(0.3) ? { period: { start, ...(maybe() ? { end: '2029-01-01' } : {}) } } : {}),
  };
  participants.push(koordinator);
  if (maybe(0.8)) participants.push({ key: 'pas', kind: 'person', role: 'bruker' });
  // A handed-over koordinator: the role ended before today, so only one is active.
  if (maybe(0.15))
    participants.push({
      key: 'forrige',
      kind: 'practitioner',
      identifiers: { hprNummer: String(1_000_000 + count(8_999_999)) },
      role: 'koordinator',
      onBehalfOf: 'kommune',
      period: { start: '2025-06-01', end: '2026-10-01' },
    });
  const hasHf = maybe(0.6);
  const [hfOrgnr, hfName] = pick(HFS);
  const hasTemporary = hasHf && maybe(0.5);
  if (hasTemporary) {
    participants.push({
      key: 'hfkoord',
      kind: 'practitioner',
      identifiers: { hprNummer: String(1_000_000 + count(8_999_999)) },
      ...(maybe() ? { name: name() } : {}),
      role: 'midlertidig-koordinator',
      onBehalfOf: 'hf',
      ...(maybe(0.6) ? { period: { start, ...(maybe() ? { end: '2027-03-01' } : {}) } } : {}),
    });
  }
  const relatives = young ? count(2, 1) : count(2);
  const secondRows: IpParticipant[] = [];
  for (let i = 0; i < relatives; i++) {
    const relationship =
      young && i === 0 ? pick(['MTH', 'FTH', 'GUARD']) : pick(['MTH', 'FTH', 'SPS', 'SIS', 'BRO', 'GUARD']);
    const hasRole = maybe(0.85);
    participants.push({
      key: `rel${i}`,
      kind: 'relative',
      relationship,
      ...(maybe(0.7) ? { name: name() } : {}),
      ...(hasRole ? { role: pick(['paarorende', 'verge'] as const) } : {}),
    });
    // Someone with two roles is listed twice under one key; identity stays on the first row.
    if (hasRole && maybe(0.15))
      secondRows.push({ key: `rel${i}`, kind: 'relative', role: 'verge', ...(maybe() ? { period: { start } } : {}) });
  }
  if (hasHf)
    participants.push({
      key: 'hf',
      kind: 'organisation',
      identifiers: { orgnr: hfOrgnr, ...(maybe() ? { herId: String(8_000_000 + count(99_999)) } : {}) },
      organisationName: hfName,
      ...(maybe(0.8) ? { role: 'tjenesteyter' as const } : {}),
    });
  const hasNav = maybe(0.4);
  if (hasNav) participants.push({ key: 'nav', kind: 'organisation', organisationName: 'NAV ' + city });
  participants.push(kommune);
  // Vary the order the rows come in, keeping the koordinator first.
  if (maybe(0.3)) participants.splice(1, participants.length - 1, ...participants.slice(1).reverse());
  participants.push(...secondRows);
  // The document's canonical order (the one fhirToIpDocument gives): everyone with a role first, then
  // those only named, practitioners, relatives, organisations.
  const rank = (p: IpParticipant) => (p.role ? 0 : 1 + ['practitioner', 'relative', 'organisation'].indexOf(p.kind));
  participants.sort((a, b) => rank(a) - rank(b));

  const keysOf = (pred: (p: IpParticipant) => boolean) => [...new Set(participants.filter(pred).map((p) => p.key))];
  const organisations = keysOf((p) => p.kind === 'organisation');
  const responsibleParties = keysOf((p) => p.kind === 'organisation' || p.kind === 'practitioner');
  const people = ['pas', ...keysOf((p) => p.kind === 'relative' || p.kind === 'practitioner')];

  const goals = Array.from({ length: maybe(0.1) ? 0 : count(4, 1) }, (_, i) => ({
    key: `g${i + 1}`,
    lifeArea: pick(LIFE_AREAS),
    text: `Mål ${i + 1}: ${pick(['klare meg selv', 'komme i arbeid', 'bo trygt', 'delta i fritidsaktiviteter', 'ha god økonomi', 'fullføre skolen'])}`,
    status: pick(['active', 'proposed', 'accepted', 'planned'] as const),
    ...(maybe() ? { expressedBy: pick(['pas', 'pas', ...keysOf((p) => p.kind === 'relative')]) } : {}),
    ...(maybe(0.3) ? { dueDate: `2027-${pad(1 + count(8))}-15` } : {}),
  }));
  const responsible = (): Responsible[] => {
    const one = (): Responsible => {
      const how = r();
      if (how < 0.7) return { participant: pick(responsibleParties) };
      if (how < 0.9) return { name: pick(NAMED_PROVIDERS) };
      return { participant: pick(responsibleParties), name: pick(NAMED_PROVIDERS) };
    };
    return Array.from({ length: maybe(0.2) ? 2 : 1 }, one);
  };
  const measures: IpMeasure[] = Array.from({ length: maybe(0.1) ? 0 : count(5, 1) }, (_, i) => ({
    key: `t${i + 1}`,
    title: pick(MEASURES),
    ...(maybe(0.7) ? { description: 'Gjennomføres i samarbeid med bruker.' } : {}),
    status: pick(['scheduled', 'not-started', 'in-progress', 'on-hold'] as const),
    ...(maybe(0.4) ? { lifeArea: pick(LIFE_AREAS) } : {}),
    ...(maybe(0.5) ? { scope: `${count(5, 1)} timer per uke` } : {}),
    ...(maybe(0.6)
      ? { frequency: { count: count(3, 1), period: pick([1, 1, 2, 0.5]), unit: pick(['h', 'd', 'wk', 'mo'] as const) } }
      : {}),
    responsible: responsible(),
    ...(goals.length && maybe(0.7) ? { goals: [...new Set([pick(goals).key, pick(goals).key])] } : {}),
  }));

  const consenter = young ? 'rel0' : relatives > 0 && maybe(0.12) ? 'rel0' : 'pas';
  const givenAs =
    consenter === 'pas'
      ? maybe(0.3)
        ? ('selv' as const)
        : undefined
      : young
        ? ('foresatt' as const)
        : ('representant' as const);
  const who: Pick<IpConsent, 'givenBy' | 'givenAs' | 'representationReason'> = {
    givenBy: consenter,
    ...(givenAs ? { givenAs } : {}),
    ...(givenAs === 'representant'
      ? {
          representationReason: pick([
            'Mangler samtykkekompetanse, vurdert av lege',
            'Alvorlig kognitiv svikt; vurdert av fastlege',
          ]),
        }
      : {}),
  };
  const consents: IpConsent[] = [
    {
      key: 'ipsamtykke',
      kind: 'ip-samtykke',
      status: 'active',
      ...(maybe(0.9) ? { dateTime: `${start}T09:00:00+01:00` } : {}),
      ...who,
      // FHIR's ppc-1: a consent names its policy (here the law it rests on).
      policy: [
        {
          ...(maybe(0.7) ? { authority: 'https://lovdata.no' } : {}),
          uri: 'https://lovdata.no/lov/1999-07-02-63/§2-5',
        },
      ],
      period: { start, ...(end ? { end } : {}) },
    },
  ];
  if (maybe(0.85)) {
    const permitted = [
      ...new Set([
        'kommune',
        ...(hasHf && maybe(0.8) ? ['hf'] : []),
        ...(hasTemporary && maybe() ? ['hfkoord'] : []),
        ...(relatives > 1 && maybe(0.3) ? ['rel1'] : []),
      ]),
    ];
    const denied = [
      ...(relatives > 0 && consenter !== 'rel0' && maybe(0.3) ? ['rel0'] : []),
      ...(hasNav && maybe(0.4) ? ['nav'] : []),
    ];
    consents.push({
      key: 'fritak',
      kind: 'taushetsplikt-fritak',
      status: pick(['active', 'active', 'active', 'draft'] as const),
      dateTime: `${start}T09:00:00+01:00`,
      ...who,
      ...(maybe(0.15) ? { scope: 'research' } : {}),
      policy: [{ uri: 'https://lovdata.no/lov/1999-07-02-64/§22' }],
      ...(maybe(0.7) ? { period: { start, ...(end ? { end } : {}) } } : {}),
      permits: permitted.map((participant) => ({
        participant,
        ...(maybe() ? { informationScope: pick(['Hele planen', 'Tiltak og mål', 'Epikrise og legemiddelliste']) } : {}),
      })),
      ...(denied.length ? { denies: denied.map((participant) => ({ participant })) } : {}),
    });
  }

  const fullUrlKeys = maybe(0.1) ? ['ip', 'pas', 'team', 'kommune'] : [];
  const doc: IpDocument = {
    plan: {
      key: 'ip',
      id: planId,
      ownerOrgnr,
      status: pick(['active', 'active', 'draft', 'on-hold'] as const),
      ...(maybe(0.8) ? { title: `Individuell plan ${n}` } : {}),
      ...(maybe() ? { created: start } : {}),
      ...(maybe(0.7) ? { author: 'koord' } : {}),
      ...(maybe(0.3) ? { version: String(count(9, 1)), lastUpdated: `${start}T10:${pad(count(59))}:00+01:00` } : {}),
    },
    person: {
      key: 'pas',
      personNumber: {
        kind: dNummer ? 'd-nummer' : 'fodselsnummer',
        value: makeSyntheticFodselsnummer(birthDate, count(999), { dNummer }),
      },
      ...(maybe(0.9) ? { name: name() } : {}),
      ...(maybe(0.9) ? { birthDate } : {}),
      ...(maybe(0.4) ? { gender: pick(['male', 'female', 'other', 'unknown'] as const) } : {}),
      address: {
        use: 'home',
        ...(maybe(0.9) ? { lines: [`Storgata ${1 + count(99)}`, ...(maybe(0.2) ? ['Leilighet H0201'] : [])] } : {}),
        ...(maybe(0.8) ? { postalCode: String(1000 + count(8999)) } : {}),
        city,
        ...(maybe(0.7) ? { district: city } : {}),
        kommunenummer,
        ...(maybe() ? { kommuneName: city } : {}),
      },
      ...(maybe(0.7)
        ? {
            languages: Array.from({ length: count(3, 1) }, (_, i) => ({
              code: LANGS[(n + i) % LANGS.length],
              ...(i === 0 ? { preferred: true } : maybe(0.3) ? { preferred: false } : {}),
            })),
          }
        : {}),
      ...(maybe(0.3) ? { interpreterNeeded: maybe() } : {}),
    },
    ...(maybe(0.3)
      ? {
          culturalConsiderations: pick([
            'Tolk ved møter; hensyn til religiøse høytider.',
            'Samisk språk og kultur; møter på samisk når mulig.',
          ]),
        }
      : {}),
    goals,
    resourcesAndNeeds: Array.from({ length: count(4) }, () => ({
      lifeArea: pick(LIFE_AREAS),
      kind: pick(['resource', 'need'] as const),
      text: pick([
        'God støtte fra familien',
        'Trenger hjelp med innkjøp',
        'Liker å gå tur',
        'Behov for tilrettelagt bolig',
        'Motivert for arbeid',
      ]),
    })),
    participants,
    careTeam: {
      key: 'team',
      ...(maybe(0.8) ? { status: 'active' as const } : {}),
      ...(maybe() ? { managingOrganisations: ['kommune'] } : {}),
    },
    contributions: Array.from({ length: count(3) }, () => {
      const how = r();
      return {
        ...(how < 0.5 ? { by: pick(people) } : how < 0.6 ? { byName: 'Naboen, Per' } : {}),
        text: pick([
          'Bruker trener daglig',
          'Mor kjører til fysioterapi',
          'NAV følger opp arbeidsavklaring',
          'Fastlegen fornyer resepter',
        ]),
      };
    }),
    measures,
    ...(maybe(0.6) ? { howCarriedOut: 'Ansvarsgruppemøte hver sjette uke; tiltakene samordnes av koordinator.' } : {}),
    period: { start, ...(end ? { end } : {}) },
    reviews: Array.from({ length: count(3) }, (_, i) => ({
      key: `r${i + 1}`,
      kind: pick(['revisjon', 'evaluering', 'justering'] as const),
      ...(maybe()
        ? { label: pick(['Revisjon av planen', 'Evaluering av tiltak', 'Justering etter utskrivning']) }
        : {}),
      date: `2027-${pad(1 + i * 3)}-10`,
      ...(maybe(0.3) ? { endDate: `2027-${pad(1 + i * 3)}-10` } : {}),
      status: pick(['scheduled', 'not-started'] as const),
      ...(maybe(0.7) ? { heldBy: [{ participant: 'koord' }] } : {}),
    })),
    consents,
    cooperation: Array.from({ length: count(2) }, (_, i) => ({
      organisation: i === 0 && maybe(0.3) ? 'kommune' : pick(organisations),
      ...(maybe()
        ? {
            description: pick([
              'Samarbeid om bolig og arbeid',
              'Arbeidsavklaring og økonomi',
              'Overføring fra sykehus',
            ]),
          }
        : {}),
    })).filter((c, i, all) => all.findIndex((x) => x.organisation === c.organisation) === i),
  };
  // A document made from a received bundle keeps the sender's fullUrls.
  if (fullUrlKeys.length)
    doc.fullUrls = Object.fromEntries(fullUrlKeys.map((k) => [k, `urn:uuid:${uuidV5(`received|${n}|${k}`)}`]));
  return doc;
}
