import type {
  CareTeamRole,
  ConsenterRole,
  ConsentKind,
  ConsentStatus,
  GoalStatus,
  IpMeasure,
  LifeArea,
  MeasureStatus,
  PlanStatus,
  ReviewKind,
} from '@ipbro/ip-model';

/** The words a reader sees for the plan's codes, in bokmål. */

export const LIFE_AREA: Record<LifeArea, string> = {
  'helse-omsorg': 'Helse, omsorg og forebygging',
  'dagtid-arbeid-skole': 'Dagtid, arbeid, skole og aktivitet',
  bolig: 'Bolig',
  fritid: 'Fritid',
  okonomi: 'Økonomi',
  'sosialt-nettverk': 'Sosialt fellesskap og nettverk',
};

export const ROLE: Record<CareTeamRole, string> = {
  koordinator: 'Koordinator',
  'midlertidig-koordinator': 'Midlertidig koordinator',
  bruker: 'Personen selv',
  paarorende: 'Pårørende',
  verge: 'Verge',
  tjenesteyter: 'Tjenesteyter',
};

export const PLAN_STATUS: Record<PlanStatus, string> = {
  draft: 'Utkast',
  active: 'Aktiv',
  'on-hold': 'Satt på vent',
  revoked: 'Avsluttet',
  completed: 'Fullført',
  'entered-in-error': 'Registrert ved en feil',
  unknown: 'Ukjent',
};

export const MEASURE_STATUS: Record<MeasureStatus, string> = {
  'not-started': 'Ikke startet',
  scheduled: 'Planlagt',
  'in-progress': 'Pågår',
  'on-hold': 'Satt på vent',
  completed: 'Fullført',
  cancelled: 'Avlyst',
  stopped: 'Stoppet',
  unknown: 'Ukjent',
  'entered-in-error': 'Registrert ved en feil',
};

export const GOAL_STATUS: Record<GoalStatus, string> = {
  proposed: 'foreslått',
  planned: 'planlagt',
  accepted: 'akseptert',
  active: 'aktivt',
  'on-hold': 'satt på vent',
  completed: 'nådd',
  cancelled: 'avbrutt',
  'entered-in-error': 'registrert ved en feil',
  rejected: 'avvist',
};

export const CONSENT_KIND: Record<ConsentKind, string> = {
  'ip-samtykke': 'Samtykke til at planen utarbeides',
  'taushetsplikt-fritak': 'Fritak fra taushetsplikt',
  'melding-samtykke': 'Samtykke til melding til kommunen',
};

export const CONSENT_STATUS: Record<ConsentStatus, string> = {
  draft: 'utkast',
  proposed: 'foreslått',
  active: 'gyldig',
  rejected: 'avslått',
  inactive: 'ikke lenger gyldig',
  'entered-in-error': 'registrert ved en feil',
};

export const CONSENTER_ROLE: Record<ConsenterRole, string> = {
  selv: 'personen selv',
  foresatt: 'som foresatt',
  representant: 'som representant',
};

export const REVIEW_KIND: Record<ReviewKind, string> = {
  revisjon: 'Revisjon',
  evaluering: 'Evaluering',
  justering: 'Justering',
};

export const GENDER: Record<string, string> = { male: 'Mann', female: 'Kvinne', other: 'Annet', unknown: 'Ukjent' };

/** v3-RoleCode relationships a plan commonly names; others show their code. */
const RELATIONSHIP: Record<string, string> = {
  MTH: 'mor',
  FTH: 'far',
  PRN: 'forelder',
  SPS: 'ektefelle',
  HUSB: 'ektemann',
  WIFE: 'kone',
  DOMPART: 'samboer',
  SIGOTHR: 'partner',
  GUARD: 'verge',
  CHILD: 'barn',
  SON: 'sønn',
  DAU: 'datter',
  SIB: 'søsken',
  BRO: 'bror',
  SIS: 'søster',
  GRPRN: 'besteforelder',
  GRMTH: 'bestemor',
  GRFTH: 'bestefar',
  FAMMEMB: 'familiemedlem',
  FRND: 'venn',
  NBOR: 'nabo',
  STPPRN: 'steforelder',
  FOSTPRN: 'fosterforelder',
};
export const relationshipLabel = (code: string): string => RELATIONSHIP[code.toUpperCase()] ?? code;

const UNIT: Record<NonNullable<IpMeasure['frequency']>['unit'], string> = {
  s: 'sekund',
  min: 'minutt',
  h: 'time',
  d: 'dag',
  wk: 'uke',
  mo: 'måned',
  a: 'år',
};

/** "2 ganger per uke", "1 gang hver 2. uke", "3 ganger per 0,5 dag". */
export function frequencyText(f: NonNullable<IpMeasure['frequency']>): string {
  const times = `${f.count} ${f.count === 1 ? 'gang' : 'ganger'}`;
  const unit = UNIT[f.unit] ?? f.unit;
  if (f.period === 1) return `${times} per ${unit}`;
  if (Number.isInteger(f.period)) return `${times} hver ${f.period}. ${unit}`;
  return `${times} per ${String(f.period).replace('.', ',')} ${unit}`;
}

const languageNames = new Intl.DisplayNames(['nb'], { type: 'language', fallback: 'code' });
/** A BCP-47 code as bokmål words ("norsk bokmål", "arabisk"); the code itself when unknown. */
export function languageName(code: string): string {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Laws a consent commonly rests on, by their Lovdata id. */
const LAWS: Record<string, string> = {
  '1999-07-02-63': 'pasient- og brukerrettighetsloven',
  '1999-07-02-64': 'helsepersonelloven',
  '1999-07-02-61': 'spesialisthelsetjenesteloven',
  '2011-06-24-30': 'helse- og omsorgstjenesteloven',
  '1967-02-10': 'forvaltningsloven',
};

/** A Lovdata link as its law and section, the link kept: "helsepersonelloven § 22 (https://lovdata.no/…)". */
export function lawText(uri: string): string {
  const m = /\/lov\/(\d{4}-\d{2}-\d{2}(?:-\d+)?)\/(?:§|%C2%A7)\s*([0-9a-z-]+)/i.exec(uri);
  const law = m ? LAWS[m[1]] : undefined;
  return law ? `${law} § ${m![2]} (${uri})` : uri;
}
