import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import { uuidV5 } from '../fhir-conventions';
import type {
  HumanName,
  IpConsent,
  IpDocument,
  IpGoal,
  IpMeasure,
  IpParticipant,
  LifeArea,
  Responsible,
} from '../ip-document';

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

const GOAL_TEXTS = [
  'klare meg selv',
  'komme i arbeid',
  'bo trygt',
  'delta i fritidsaktiviteter',
  'ha god økonomi',
  'fullføre skolen',
];

/**
 * The seeded draws one document is made from. Every helper below draws from the same sequence, in the
 * same order as before the split, so a seed still gives a byte-identical document.
 */
interface Draws {
  r: () => number;
  pick: <T>(xs: readonly T[]) => T;
  maybe: (p?: number) => boolean;
  count: (max: number, min?: number) => number;
  name: () => HumanName;
}

function draws(n: number): Draws {
  const r = random(n * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const maybe = (p = 0.5): boolean => r() < p;
  const count = (max: number, min = 0): number => min + Math.floor(r() * (max - min + 1));
  const name = () => ({ family: pick(FAMILY), given: maybe(0.2) ? [pick(GIVEN), pick(GIVEN)] : [pick(GIVEN)] });
  return { r, pick, maybe, count, name };
}

const pad = (v: number): string => String(v).padStart(2, '0');

/** The plan's owner, dates and the person's age: drawn first, used by every section. */
interface Basics {
  n: number;
  ownerOrgnr: string;
  ownerName: string;
  kommunenummer: string;
  city: string;
  planId: string;
  start: string;
  end: string | undefined;
  young: boolean;
  birthDate: string;
  dNummer: boolean;
}

function drawBasics(g: Draws, n: number): Basics {
  const [ownerOrgnr, ownerName, kommunenummer, city] = g.pick(KOMMUNER);
  const planId = `IP-${2024 + g.count(2)}-${String(n).padStart(4, '0')}`;
  const start = `2026-${pad(1 + g.count(9))}-01`;
  const end = g.maybe(0.8) ? `2028-${pad(1 + g.count(11))}-01` : undefined;
  // Under 16 when consenting (the consent is dated at the plan's start): a parent or guardian consents.
  const young = g.maybe(0.3);
  const birthDate = `${young ? 2011 + g.count(13) : 1935 + g.count(70)}-${pad(1 + g.count(11))}-${pad(1 + g.count(27))}`;
  const dNummer = g.maybe(0.15);
  return { n, ownerOrgnr, ownerName, kommunenummer, city, planId, start, end, young, birthDate, dNummer };
}

/** What later sections need to know about who takes part. */
interface Cast {
  participants: IpParticipant[];
  hasHf: boolean;
  hasTemporary: boolean;
  relatives: number;
  hasNav: boolean;
}

/** The owner kommune's row (drawn before the koordinator, listed last). */
function kommuneRow(g: Draws, b: Basics): IpParticipant {
  return {
    key: 'kommune',
    kind: 'organisation',
    identifiers: { orgnr: b.ownerOrgnr, ...(g.maybe() ? { herId: String(8_000_000 + g.count(99_999)) } : {}) },
    organisationName: b.ownerName,
  };
}

/** The kommune's koordinator, always present and always first. */
function koordinatorRow(g: Draws, start: string): IpParticipant {
  return {
    key: 'koord',
    kind: 'practitioner',
    identifiers: {
      hprNummer: String(1_000_000 + g.count(8_999_999)),
      ...(g.maybe(0.2) ? { herId: String(100_000 + g.count(99_999)) } : {}),
    },
    ...(g.maybe(0.9) ? { name: g.name() } : {}),
    role: 'koordinator',
    onBehalfOf: 'kommune',
    ...(g.maybe(0.3) ? { period: { start, ...(g.maybe() ? { end: '2029-01-01' } : {}) } } : {}),
  };
}

/** A handed-over koordinator: the role ended before today, so only one is active. */
function formerKoordinatorRow(g: Draws): IpParticipant {
  return {
    key: 'forrige',
    kind: 'practitioner',
    identifiers: { hprNummer: String(1_000_000 + g.count(8_999_999)) },
    role: 'koordinator',
    onBehalfOf: 'kommune',
    period: { start: '2025-06-01', end: '2026-10-01' },
  };
}

/** The hospital's midlertidig-koordinator. */
function temporaryKoordinatorRow(g: Draws, start: string): IpParticipant {
  return {
    key: 'hfkoord',
    kind: 'practitioner',
    identifiers: { hprNummer: String(1_000_000 + g.count(8_999_999)) },
    ...(g.maybe() ? { name: g.name() } : {}),
    role: 'midlertidig-koordinator',
    onBehalfOf: 'hf',
    ...(g.maybe(0.6) ? { period: { start, ...(g.maybe() ? { end: '2027-03-01' } : {}) } } : {}),
  };
}

/** Relatives (at least one for the young, who need a parent or guardian); returns their second-role rows. */
function pushRelatives(g: Draws, b: Basics, participants: IpParticipant[], relatives: number): IpParticipant[] {
  const secondRows: IpParticipant[] = [];
  for (let i = 0; i < relatives; i++) {
    const relationship =
      b.young && i === 0 ? g.pick(['MTH', 'FTH', 'GUARD']) : g.pick(['MTH', 'FTH', 'SPS', 'SIS', 'BRO', 'GUARD']);
    const hasRole = g.maybe(0.85);
    participants.push({
      key: `rel${i}`,
      kind: 'relative',
      relationship,
      ...(g.maybe(0.7) ? { name: g.name() } : {}),
      ...(hasRole ? { role: g.pick(['paarorende', 'verge'] as const) } : {}),
    });
    // Someone with two roles is listed twice under one key; identity stays on the first row.
    if (hasRole && g.maybe(0.15))
      secondRows.push({
        key: `rel${i}`,
        kind: 'relative',
        role: 'verge',
        ...(g.maybe() ? { period: { start: b.start } } : {}),
      });
  }
  return secondRows;
}

/** The hospital's organisation row. */
function hospitalRow(g: Draws, hfOrgnr: string, hfName: string): IpParticipant {
  return {
    key: 'hf',
    kind: 'organisation',
    identifiers: { orgnr: hfOrgnr, ...(g.maybe() ? { herId: String(8_000_000 + g.count(99_999)) } : {}) },
    organisationName: hfName,
    ...(g.maybe(0.8) ? { role: 'tjenesteyter' as const } : {}),
  };
}

/**
 * § 19 b, c: who takes part. The owner kommune and its koordinator always; a hospital and its
 * midlertidig-koordinator often; relatives; sometimes an agency that is only named (cooperation).
 */
function drawParticipants(g: Draws, b: Basics): Cast {
  const participants: IpParticipant[] = [];
  const kommune = kommuneRow(g, b);
  participants.push(koordinatorRow(g, b.start));
  if (g.maybe(0.8)) participants.push({ key: 'pas', kind: 'person', role: 'bruker' });
  if (g.maybe(0.15)) participants.push(formerKoordinatorRow(g));
  const hasHf = g.maybe(0.6);
  const [hfOrgnr, hfName] = g.pick(HFS);
  const hasTemporary = hasHf && g.maybe(0.5);
  if (hasTemporary) participants.push(temporaryKoordinatorRow(g, b.start));
  const relatives = b.young ? g.count(2, 1) : g.count(2);
  const secondRows = pushRelatives(g, b, participants, relatives);
  if (hasHf) participants.push(hospitalRow(g, hfOrgnr, hfName));
  const hasNav = g.maybe(0.4);
  if (hasNav) participants.push({ key: 'nav', kind: 'organisation', organisationName: 'NAV ' + b.city });
  participants.push(kommune);
  // Vary the order the rows come in, keeping the koordinator first.
  if (g.maybe(0.3)) participants.splice(1, participants.length - 1, ...participants.slice(1).reverse());
  participants.push(...secondRows);
  // The document's canonical order (the one fhirToIpDocument gives): everyone with a role first, then
  // those only named, practitioners, relatives, organisations.
  const rank = (p: IpParticipant) => (p.role ? 0 : 1 + ['practitioner', 'relative', 'organisation'].indexOf(p.kind));
  participants.sort((a, b) => rank(a) - rank(b));
  return { participants, hasHf, hasTemporary, relatives, hasNav };
}

/** The distinct keys of the participants that match. */
function keysOf(participants: IpParticipant[], pred: (p: IpParticipant) => boolean): string[] {
  return [...new Set(participants.filter(pred).map((p) => p.key))];
}

/** § 19 a: the goals, sometimes none. */
function drawGoals(g: Draws, participants: IpParticipant[]): IpGoal[] {
  return Array.from({ length: g.maybe(0.1) ? 0 : g.count(4, 1) }, (_, i) => ({
    key: `g${i + 1}`,
    lifeArea: g.pick(LIFE_AREAS),
    text: `Mål ${i + 1}: ${g.pick(GOAL_TEXTS)}`,
    status: g.pick(['active', 'proposed', 'accepted', 'planned'] as const),
    ...(g.maybe()
      ? { expressedBy: g.pick(['pas', 'pas', ...keysOf(participants, (p) => p.kind === 'relative')]) }
      : {}),
    ...(g.maybe(0.3) ? { dueDate: `2027-${pad(1 + g.count(8))}-15` } : {}),
  }));
}

/** Who is responsible for a measure: a participant, a named provider, or both; sometimes two. */
function drawResponsible(g: Draws, responsibleParties: string[]): Responsible[] {
  const one = (): Responsible => {
    const how = g.r();
    if (how < 0.7) return { participant: g.pick(responsibleParties) };
    if (how < 0.9) return { name: g.pick(NAMED_PROVIDERS) };
    return { participant: g.pick(responsibleParties), name: g.pick(NAMED_PROVIDERS) };
  };
  return Array.from({ length: g.maybe(0.2) ? 2 : 1 }, one);
}

/** § 19 e, f: the measures, sometimes none. */
function drawMeasures(g: Draws, goals: IpGoal[], responsibleParties: string[]): IpMeasure[] {
  return Array.from({ length: g.maybe(0.1) ? 0 : g.count(5, 1) }, (_, i) => ({
    key: `t${i + 1}`,
    title: g.pick(MEASURES),
    ...(g.maybe(0.7) ? { description: 'Gjennomføres i samarbeid med bruker.' } : {}),
    status: g.pick(['scheduled', 'not-started', 'in-progress', 'on-hold'] as const),
    ...(g.maybe(0.4) ? { lifeArea: g.pick(LIFE_AREAS) } : {}),
    ...(g.maybe(0.5) ? { scope: `${g.count(5, 1)} timer per uke` } : {}),
    ...(g.maybe(0.6)
      ? {
          frequency: {
            count: g.count(3, 1),
            period: g.pick([1, 1, 2, 0.5]),
            unit: g.pick(['h', 'd', 'wk', 'mo'] as const),
          },
        }
      : {}),
    responsible: drawResponsible(g, responsibleParties),
    ...(goals.length && g.maybe(0.7) ? { goals: [...new Set([g.pick(goals).key, g.pick(goals).key])] } : {}),
  }));
}

type ConsentGiver = Pick<IpConsent, 'givenBy' | 'givenAs' | 'representationReason'>;

/** Who consents, by age: the person, a parent or guardian (under 16), or a representative with a reason. */
function drawConsentGiver(g: Draws, b: Basics, relatives: number): ConsentGiver {
  const consenter = b.young ? 'rel0' : relatives > 0 && g.maybe(0.12) ? 'rel0' : 'pas';
  const givenAs =
    consenter === 'pas'
      ? g.maybe(0.3)
        ? ('selv' as const)
        : undefined
      : b.young
        ? ('foresatt' as const)
        : ('representant' as const);
  return {
    givenBy: consenter,
    ...(givenAs ? { givenAs } : {}),
    ...(givenAs === 'representant'
      ? {
          representationReason: g.pick([
            'Mangler samtykkekompetanse, vurdert av lege',
            'Alvorlig kognitiv svikt; vurdert av fastlege',
          ]),
        }
      : {}),
  };
}

/** The active consent to the plan itself. */
function planConsent(g: Draws, b: Basics, who: ConsentGiver): IpConsent {
  const { start, end } = b;
  return {
    key: 'ipsamtykke',
    kind: 'ip-samtykke',
    status: 'active',
    ...(g.maybe(0.9) ? { dateTime: `${start}T09:00:00+01:00` } : {}),
    ...who,
    // FHIR's ppc-1: a consent names its policy (here the law it rests on).
    policy: [
      {
        ...(g.maybe(0.7) ? { authority: 'https://lovdata.no' } : {}),
        uri: 'https://lovdata.no/lov/1999-07-02-63/§2-5',
      },
    ],
    period: { start, ...(end ? { end } : {}) },
  };
}

/** A release from the duty of confidentiality: whom it permits and whom it denies. */
function confidentialityRelease(g: Draws, b: Basics, cast: Cast, who: ConsentGiver): IpConsent {
  const { start, end } = b;
  const { hasHf, hasTemporary, relatives, hasNav } = cast;
  const permitted = [
    ...new Set([
      'kommune',
      ...(hasHf && g.maybe(0.8) ? ['hf'] : []),
      ...(hasTemporary && g.maybe() ? ['hfkoord'] : []),
      ...(relatives > 1 && g.maybe(0.3) ? ['rel1'] : []),
    ]),
  ];
  const denied = [
    ...(relatives > 0 && who.givenBy !== 'rel0' && g.maybe(0.3) ? ['rel0'] : []),
    ...(hasNav && g.maybe(0.4) ? ['nav'] : []),
  ];
  return {
    key: 'fritak',
    kind: 'taushetsplikt-fritak',
    status: g.pick(['active', 'active', 'active', 'draft'] as const),
    dateTime: `${start}T09:00:00+01:00`,
    ...who,
    ...(g.maybe(0.15) ? { scope: 'research' } : {}),
    policy: [{ uri: 'https://lovdata.no/lov/1999-07-02-64/§22' }],
    ...(g.maybe(0.7) ? { period: { start, ...(end ? { end } : {}) } } : {}),
    permits: permitted.map((participant) => ({
      participant,
      ...(g.maybe()
        ? { informationScope: g.pick(['Hele planen', 'Tiltak og mål', 'Epikrise og legemiddelliste']) }
        : {}),
    })),
    ...(denied.length ? { denies: denied.map((participant) => ({ participant })) } : {}),
  };
}

/** § 19 h: the consent to the plan, and often a release from confidentiality. */
function drawConsents(g: Draws, b: Basics, cast: Cast): IpConsent[] {
  const who = drawConsentGiver(g, b, cast.relatives);
  const consents: IpConsent[] = [planConsent(g, b, who)];
  if (g.maybe(0.85)) consents.push(confidentialityRelease(g, b, cast, who));
  return consents;
}

/** The plan's identity and metadata. */
function drawPlanIdentity(g: Draws, b: Basics): IpDocument['plan'] {
  const { start } = b;
  return {
    key: 'ip',
    id: b.planId,
    ownerOrgnr: b.ownerOrgnr,
    status: g.pick(['active', 'active', 'draft', 'on-hold'] as const),
    ...(g.maybe(0.8) ? { title: `Individuell plan ${b.n}` } : {}),
    ...(g.maybe() ? { created: start } : {}),
    ...(g.maybe(0.7) ? { author: 'koord' } : {}),
    ...(g.maybe(0.3)
      ? { version: String(g.count(9, 1)), lastUpdated: `${start}T10:${pad(g.count(59))}:00+01:00` }
      : {}),
  };
}

/** The person's home address in the owner kommune. */
function drawAddress(g: Draws, b: Basics): IpDocument['person']['address'] {
  const { city } = b;
  return {
    use: 'home',
    ...(g.maybe(0.9) ? { lines: [`Storgata ${1 + g.count(99)}`, ...(g.maybe(0.2) ? ['Leilighet H0201'] : [])] } : {}),
    ...(g.maybe(0.8) ? { postalCode: String(1000 + g.count(8999)) } : {}),
    city,
    ...(g.maybe(0.7) ? { district: city } : {}),
    kommunenummer: b.kommunenummer,
    ...(g.maybe() ? { kommuneName: city } : {}),
  };
}

/** The person the plan is for: number, name, birth date, address, languages. */
function drawPerson(g: Draws, b: Basics): IpDocument['person'] {
  const { birthDate, dNummer } = b;
  return {
    key: 'pas',
    personNumber: {
      kind: dNummer ? 'd-nummer' : 'fodselsnummer',
      value: makeSyntheticFodselsnummer(birthDate, g.count(999), { dNummer }),
    },
    ...(g.maybe(0.9) ? { name: g.name() } : {}),
    ...(g.maybe(0.9) ? { birthDate } : {}),
    ...(g.maybe(0.4) ? { gender: g.pick(['male', 'female', 'other', 'unknown'] as const) } : {}),
    address: drawAddress(g, b),
    ...(g.maybe(0.7)
      ? {
          languages: Array.from({ length: g.count(3, 1) }, (_, i) => ({
            code: LANGS[(b.n + i) % LANGS.length],
            ...(i === 0 ? { preferred: true } : g.maybe(0.3) ? { preferred: false } : {}),
          })),
        }
      : {}),
    ...(g.maybe(0.3) ? { interpreterNeeded: g.maybe() } : {}),
  };
}

/** Respect for the person's background, sometimes. */
function drawCulturalConsiderations(g: Draws): Pick<IpDocument, 'culturalConsiderations'> {
  return g.maybe(0.3)
    ? {
        culturalConsiderations: g.pick([
          'Tolk ved møter; hensyn til religiøse høytider.',
          'Samisk språk og kultur; møter på samisk når mulig.',
        ]),
      }
    : {};
}

/** § 19 a: resources and needs. */
function drawResourcesAndNeeds(g: Draws): IpDocument['resourcesAndNeeds'] {
  return Array.from({ length: g.count(4) }, () => ({
    lifeArea: g.pick(LIFE_AREAS),
    kind: g.pick(['resource', 'need'] as const),
    text: g.pick([
      'God støtte fra familien',
      'Trenger hjelp med innkjøp',
      'Liker å gå tur',
      'Behov for tilrettelagt bolig',
      'Motivert for arbeid',
    ]),
  }));
}

/** The CareTeam that holds the participants with a role. */
function drawCareTeam(g: Draws): IpDocument['careTeam'] {
  return {
    key: 'team',
    ...(g.maybe(0.8) ? { status: 'active' as const } : {}),
    ...(g.maybe() ? { managingOrganisations: ['kommune'] } : {}),
  };
}

/** § 19 d: contributions, by a participant, by someone only named, or by no one in particular. */
function drawContributions(g: Draws, people: string[]): IpDocument['contributions'] {
  return Array.from({ length: g.count(3) }, () => {
    const how = g.r();
    return {
      ...(how < 0.5 ? { by: g.pick(people) } : how < 0.6 ? { byName: 'Naboen, Per' } : {}),
      text: g.pick([
        'Bruker trener daglig',
        'Mor kjører til fysioterapi',
        'NAV følger opp arbeidsavklaring',
        'Fastlegen fornyer resepter',
      ]),
    };
  });
}

/** How the plan as a whole is carried out, sometimes. */
function drawHowCarriedOut(g: Draws): Pick<IpDocument, 'howCarriedOut'> {
  return g.maybe(0.6)
    ? { howCarriedOut: 'Ansvarsgruppemøte hver sjette uke; tiltakene samordnes av koordinator.' }
    : {};
}

/** § 19 g: reviews, all within the plan period. */
function drawReviews(g: Draws): IpDocument['reviews'] {
  return Array.from({ length: g.count(3) }, (_, i) => ({
    key: `r${i + 1}`,
    kind: g.pick(['revisjon', 'evaluering', 'justering'] as const),
    ...(g.maybe()
      ? { label: g.pick(['Revisjon av planen', 'Evaluering av tiltak', 'Justering etter utskrivning']) }
      : {}),
    date: `2027-${pad(1 + i * 3)}-10`,
    ...(g.maybe(0.3) ? { endDate: `2027-${pad(1 + i * 3)}-10` } : {}),
    status: g.pick(['scheduled', 'not-started'] as const),
    ...(g.maybe(0.7) ? { heldBy: [{ participant: 'koord' }] } : {}),
  }));
}

/** § 19 i: cooperation with organisations, each at most once. */
function drawCooperation(g: Draws, organisations: string[]): IpDocument['cooperation'] {
  return Array.from({ length: g.count(2) }, (_, i) => ({
    organisation: i === 0 && g.maybe(0.3) ? 'kommune' : g.pick(organisations),
    ...(g.maybe()
      ? {
          description: g.pick([
            'Samarbeid om bolig og arbeid',
            'Arbeidsavklaring og økonomi',
            'Overføring fra sykehus',
          ]),
        }
      : {}),
  })).filter((c, i, all) => all.findIndex((x) => x.organisation === c.organisation) === i);
}

/** The n-th generated IP document: varied counts, optional fields, ages, consent shapes and roles. */
export function generateIpDocument(n: number): IpDocument {
  const g = draws(n);
  const b = drawBasics(g, n);
  const cast = drawParticipants(g, b);
  const { participants } = cast;
  const organisations = keysOf(participants, (p) => p.kind === 'organisation');
  const responsibleParties = keysOf(participants, (p) => p.kind === 'organisation' || p.kind === 'practitioner');
  const people = ['pas', ...keysOf(participants, (p) => p.kind === 'relative' || p.kind === 'practitioner')];

  const goals = drawGoals(g, participants);
  const measures = drawMeasures(g, goals, responsibleParties);
  const consents = drawConsents(g, b, cast);

  const fullUrlKeys = g.maybe(0.1) ? ['ip', 'pas', 'team', 'kommune'] : [];
  // Sections are drawn in the order they are listed, which is the order the seed's draws are used in.
  const doc: IpDocument = {
    plan: drawPlanIdentity(g, b),
    person: drawPerson(g, b),
    ...drawCulturalConsiderations(g),
    goals,
    resourcesAndNeeds: drawResourcesAndNeeds(g),
    participants,
    careTeam: drawCareTeam(g),
    contributions: drawContributions(g, people),
    measures,
    ...drawHowCarriedOut(g),
    period: { start: b.start, ...(b.end ? { end: b.end } : {}) },
    reviews: drawReviews(g),
    consents,
    cooperation: drawCooperation(g, organisations),
  };
  // A document made from a received bundle keeps the sender's fullUrls.
  if (fullUrlKeys.length)
    doc.fullUrls = Object.fromEntries(fullUrlKeys.map((k) => [k, `urn:uuid:${uuidV5(`received|${n}|${k}`)}`]));
  return doc;
}
