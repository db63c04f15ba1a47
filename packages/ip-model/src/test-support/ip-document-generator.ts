import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import type { IpDocument, IpParty, LifeArea } from './ip-document';

/** A small seeded PRNG (mulberry32): the same seed gives the same documents on every machine. */
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

const LIFE_AREAS: LifeArea[] = ['helse-omsorg', 'dagtid-arbeid-skole', 'bolig', 'fritid', 'okonomi', 'sosialt-nettverk'];
const GIVEN = ['Ola', 'Kari', 'Aisha', 'Jonas', 'Mari', 'Øystein', 'Åse', 'Ahmed', 'Sigrid', 'Nils-Petter'];
const FAMILY = ['Nordmann', 'Hansen', 'Olsen', 'Berg', 'Haugen', 'Johansen', 'Ali', 'Larsen', 'Sæther'];
const ORGS: [string, string][] = [['942953119', 'Ålesund kommune'], ['997005562', 'Helse Møre og Romsdal HF'], ['993467049', 'Oslo universitetssykehus HF'], ['883974832', 'St. Olavs hospital HF'], ['983974724', 'Helse Bergen HF']];
const MEASURES = ['Hjemmesykepleie', 'Fysioterapi', 'Ergoterapi', 'Støttekontakt', 'Avlastning', 'Arbeidsavklaring', 'Boveiledning', 'Psykisk helsetjeneste', 'Logoped'];
const LANGS = ['nb', 'nn', 'se', 'ar', 'so', 'pl', 'en'];

/** The n-th generated IP document: varied counts, optional fields, ages, consent shapes and roles. */
export function generateIpDocument(n: number): IpDocument {
  const r = random(n * 7919 + 17);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const maybe = (p = 0.5): boolean => r() < p;
  const count = (max: number, min = 0): number => min + Math.floor(r() * (max - min + 1));
  const young = maybe(0.3);
  const year = young ? 2011 + count(12) : 1940 + count(60);
  const birthDate = `${year}-${String(1 + count(11)).padStart(2, '0')}-${String(1 + count(27)).padStart(2, '0')}`;
  const dNummer = maybe(0.15);
  const [ownerOrgnr, ownerName] = ORGS[0];
  const planId = `IP-${2024 + count(3)}-${String(n).padStart(4, '0')}`;
  const parties: IpParty[] = [
    { kind: 'organisation', key: 'kommune', name: ownerName, orgnr: ownerOrgnr, ...(maybe() ? { herId: String(8000000 + count(99999)) } : {}) },
    { kind: 'practitioner', key: 'koord', hprNummer: String(1000000 + count(8999999)), name: { family: pick(FAMILY), given: [pick(GIVEN)] } },
  ];
  const hf = pick(ORGS.slice(1));
  if (maybe(0.6)) parties.push({ kind: 'organisation', key: 'hf', name: hf[1], orgnr: hf[0] });
  const hasHfKoordinator = parties.some((p) => p.key === 'hf') && maybe(0.5);
  if (hasHfKoordinator) parties.push({ kind: 'practitioner', key: 'hfkoord', hprNummer: String(1000000 + count(8999999)) });
  const relatives = young ? count(2, 1) : count(2);
  for (let i = 0; i < relatives; i++) {
    parties.push({ kind: 'relative', key: `rel${i}`, relationship: pick(['MTH', 'FTH', 'SPS', 'SIS', 'BRO', 'GUARD']), ...(maybe() ? { name: { family: pick(FAMILY), given: [pick(GIVEN)] } } : {}), ...(maybe(0.1) ? { identifierValue: `custom-${n}-${i}` } : {}) });
  }
  const goals = Array.from({ length: count(4, 1) }, (_, i) => ({
    key: `g${i + 1}`,
    lifeArea: pick(LIFE_AREAS),
    text: `Mål ${i + 1}: ${pick(['klare meg selv', 'komme i arbeid', 'bo trygt', 'delta i fritidsaktiviteter', 'ha god økonomi'])}`,
    status: pick(['active', 'proposed', 'accepted'] as const),
    ...(maybe() ? { expressedBy: 'pas' } : {}),
    ...(maybe(0.3) ? { dueDate: `2027-0${1 + count(8)}-15` } : {}),
  }));
  const partyKeys = parties.map((p) => p.key);
  const start = `2026-${String(1 + count(10)).padStart(2, '0')}-01`;
  const end = maybe(0.8) ? `2028-${String(1 + count(10)).padStart(2, '0')}-01` : undefined;
  const consenter = young ? 'rel0' : maybe(0.1) && relatives > 0 ? 'rel0' : 'pas';
  const givenAs = consenter === 'pas' ? (maybe(0.3) ? ('selv' as const) : undefined) : young ? ('foresatt' as const) : ('representant' as const);
  const doc: IpDocument = {
    plan: {
      key: 'ip',
      id: planId,
      ownerOrgnr,
      status: pick(['active', 'draft', 'on-hold'] as const),
      ...(maybe(0.8) ? { title: `Individuell plan ${n}` } : {}),
      ...(maybe() ? { created: start } : {}),
      ...(maybe(0.7) ? { author: 'koord' } : {}),
      period: { start, ...(end ? { end } : {}) },
      ...(maybe(0.6) ? { howCarriedOut: 'Ansvarsgruppemøte hver sjette uke; tiltakene samordnes av koordinator.' } : {}),
      ...(maybe(0.3) ? { culturalConsiderations: 'Tolk ved møter; hensyn til religiøse høytider.' } : {}),
    },
    person: {
      key: 'pas',
      personNumber: { kind: dNummer ? 'd-nummer' : 'fodselsnummer', value: makeSyntheticFodselsnummer(birthDate, count(999), { dNummer }) },
      ...(maybe(0.9) ? { name: { family: pick(FAMILY), given: maybe(0.3) ? [pick(GIVEN), pick(GIVEN)] : [pick(GIVEN)] } } : {}),
      birthDate,
      ...(maybe(0.4) ? { gender: pick(['male', 'female', 'other', 'unknown'] as const) } : {}),
      ...(maybe(0.9)
        ? { address: { use: 'home' as const, lines: [`Storgata ${1 + count(99)}`], postalCode: '6002', city: 'Ålesund', district: 'Ålesund', kommunenummer: '1508', ...(maybe() ? { kommuneName: 'Ålesund' } : {}) } }
        : {}),
      ...(maybe(0.7) ? { languages: Array.from({ length: count(2, 1) }, (_, i) => ({ code: LANGS[(n + i) % LANGS.length], ...(i === 0 ? { preferred: true } : {}) })) } : {}),
      ...(maybe(0.3) ? { interpreterNeeded: maybe() } : {}),
    },
    parties,
    careTeam: { key: 'team', ...(maybe(0.8) ? { status: 'active' as const } : {}), ...(maybe() ? { managingOrganizations: ['kommune'] } : {}) },
    participants: [
      { party: 'koord', role: 'koordinator', onBehalfOf: 'kommune', ...(maybe(0.2) ? { period: { start } } : {}) },
      { party: 'pas', role: 'bruker' },
      ...(hasHfKoordinator ? [{ party: 'hfkoord', role: 'midlertidig-koordinator' as const, onBehalfOf: 'hf' }] : []),
      ...Array.from({ length: relatives }, (_, i) => ({ party: `rel${i}`, role: pick(['paarorende', 'verge'] as const) })),
      ...(parties.some((p) => p.key === 'hf') ? [{ party: 'hf', role: 'tjenesteyter' as const }] : []),
    ],
    goals,
    assessments: Array.from({ length: count(4) }, () => ({ lifeArea: pick(LIFE_AREAS), kind: pick(['resource', 'need'] as const), text: pick(['God støtte fra familien', 'Trenger hjelp med innkjøp', 'Liker å gå tur', 'Behov for tilrettelagt bolig']) })),
    contributions: Array.from({ length: count(3) }, () => ({ ...(maybe() ? { by: pick(['pas', ...partyKeys]) } : {}), text: pick(['Bruker trener daglig', 'Mor kjører til fysioterapi', 'NAV følger opp arbeidsavklaring']) })),
    measures: Array.from({ length: count(5, 1) }, () => ({
      title: pick(MEASURES),
      ...(maybe(0.7) ? { description: 'Gjennomføres i samarbeid med bruker.' } : {}),
      status: pick(['scheduled', 'not-started', 'in-progress'] as const),
      ...(maybe(0.4) ? { lifeArea: pick(LIFE_AREAS) } : {}),
      ...(maybe(0.5) ? { scope: `${count(5, 1)} timer per uke` } : {}),
      ...(maybe(0.6) ? { frequency: { count: count(3, 1), period: 1, unit: pick(['d', 'wk', 'mo'] as const) } } : {}),
      responsible: maybe(0.8) ? [{ party: pick(['kommune', 'koord']) }] : [{ name: pick(['NAV Ålesund', 'PPT', 'Skolen']) }],
      ...(maybe(0.7) ? { goals: [pick(goals).key] } : {}),
    })),
    reviews: Array.from({ length: count(2) }, (_, i) => ({
      kind: pick(['revisjon', 'evaluering', 'justering'] as const),
      ...(maybe() ? { label: 'Revisjon av planen' } : {}),
      date: `2027-0${1 + i * 3}-10`,
      ...(maybe(0.3) ? { endDate: `2027-0${1 + i * 3}-10` } : {}),
      status: 'scheduled' as const,
      ...(maybe(0.7) ? { heldBy: [{ party: 'koord' }] } : {}),
    })),
    consents: [
      {
        key: 'ipsamtykke',
        kind: 'ip-samtykke',
        status: 'active',
        dateTime: `${start}T09:00:00+01:00`,
        givenBy: consenter,
        ...(givenAs ? { givenAs } : {}),
        ...(givenAs === 'representant' ? { representationReason: 'Mangler samtykkekompetanse, vurdert av lege' } : {}),
        // FHIR's ppc-1: a consent names its policy (here the law it rests on).
        policy: [{ ...(maybe(0.7) ? { authority: 'https://lovdata.no' } : {}), uri: 'https://lovdata.no/lov/1999-07-02-63/§2-5' }],
        period: { start, ...(end ? { end } : {}) },
      },
      {
        key: 'fritak',
        kind: 'taushetsplikt-fritak',
        status: 'active',
        dateTime: `${start}T09:00:00+01:00`,
        givenBy: consenter,
        ...(givenAs ? { givenAs } : {}),
        ...(givenAs === 'representant' ? { representationReason: 'Mangler samtykkekompetanse, vurdert av lege' } : {}),
        ...(maybe(0.2) ? { scope: 'research' } : {}),
        policy: [{ uri: 'https://lovdata.no/lov/1999-07-02-64/§22' }],
        permits: [{ party: 'kommune', ...(maybe() ? { informationScope: 'Hele planen' } : {}) }, ...(parties.some((p) => p.key === 'hf') ? [{ party: 'hf' }] : [])],
        ...(maybe(0.3) && relatives > 0 ? { denies: [{ party: 'rel0' }] } : {}),
      },
    ],
    cooperation: maybe(0.5) ? [{ party: 'kommune', ...(maybe() ? { description: 'Samarbeid om bolig og arbeid' } : {}) }] : [],
  };
  return doc;
}
