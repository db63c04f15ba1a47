/**
 * The individuell plan as a document: every content item of forskrift § 19 a–i in plain JSON.
 * Parties are named once (the person, practitioners, relatives, organisations) and referred to by
 * `key` everywhere else. Where each item lands in FHIR: docs/fhir-mapping.md.
 */

export type LifeArea = 'helse-omsorg' | 'dagtid-arbeid-skole' | 'bolig' | 'fritid' | 'okonomi' | 'sosialt-nettverk';
export type CareTeamRole = 'koordinator' | 'midlertidig-koordinator' | 'bruker' | 'paarorende' | 'verge' | 'tjenesteyter';
export type ReviewKind = 'revisjon' | 'evaluering' | 'justering';
export type ConsentKind = 'ip-samtykke' | 'taushetsplikt-fritak' | 'melding-samtykke';
export type ConsenterRole = 'selv' | 'foresatt' | 'representant';
export type PlanStatus = 'draft' | 'active' | 'on-hold' | 'revoked' | 'completed' | 'entered-in-error' | 'unknown';
export type ActivityStatus = 'not-started' | 'scheduled' | 'in-progress' | 'on-hold' | 'completed' | 'cancelled' | 'stopped' | 'unknown' | 'entered-in-error';

export interface HumanName {
  family?: string;
  given?: string[];
}

export interface Period {
  start?: string;
  end?: string;
}

/** Who a thing refers to: a party by key, or (for measures) a provider only known by name. */
export interface PartyRef {
  party?: string;
  name?: string;
}

export interface IpPerson {
  key: string;
  /** fødselsnummer or D-nummer (synthetic numbers in tests). */
  personNumber: { kind: 'fodselsnummer' | 'd-nummer'; value: string };
  name?: HumanName;
  birthDate?: string;
  gender?: 'male' | 'female' | 'other' | 'unknown';
  address?: {
    use?: 'home' | 'temp' | 'old' | 'billing' | 'work';
    lines?: string[];
    postalCode?: string;
    city?: string;
    district?: string;
    /** The home kommune (no-basis municipality code). */
    kommunenummer?: string;
    kommuneName?: string;
  };
  /** Language and cultural background: the languages (BCP-47) and which is preferred. */
  languages?: { code: string; preferred?: boolean }[];
  interpreterNeeded?: boolean;
}

export type IpParty =
  | { kind: 'practitioner'; key: string; name?: HumanName; hprNummer?: string }
  | { kind: 'relative'; key: string; name?: HumanName; relationship?: string; identifierValue?: string }
  | { kind: 'organisation'; key: string; name?: string; orgnr?: string; herId?: string };

/** § 19 b, c: who takes part, in which role; koordinator and midlertidig-koordinator are roles. */
export interface IpParticipant {
  party: string;
  role: CareTeamRole;
  onBehalfOf?: string;
  period?: Period;
}

/** § 19 a: the person's goals, by life area. */
export interface IpGoal {
  key: string;
  lifeArea: LifeArea;
  text: string;
  status: 'proposed' | 'planned' | 'accepted' | 'active' | 'on-hold' | 'completed' | 'cancelled' | 'entered-in-error' | 'rejected';
  expressedBy?: string;
  dueDate?: string;
}

/** § 19 a: resources the person has and needs for services, by life area. */
export interface IpAssessment {
  lifeArea: LifeArea;
  kind: 'resource' | 'need';
  text: string;
}

/** § 19 d: what the person, the providers and relatives contribute. */
export interface IpContribution {
  by?: string;
  text: string;
}

/** § 19 e, f: a measure (tiltak), its scope, frequency, who is responsible and how it is carried out. */
export interface IpMeasure {
  title: string;
  description?: string;
  status: ActivityStatus;
  lifeArea?: LifeArea;
  scope?: string;
  frequency?: { count: number; period: number; unit: 's' | 'min' | 'h' | 'd' | 'wk' | 'mo' | 'a' };
  responsible: PartyRef[];
  goals?: string[];
}

/** § 19 g: when the plan is revised, evaluated or adjusted. */
export interface IpReview {
  kind: ReviewKind;
  /** The text the plan shows, e.g. "Revisjon av planen". */
  label?: string;
  date: string;
  endDate?: string;
  status: ActivityStatus;
  heldBy?: PartyRef[];
}

/** § 19 h: consent to the plan, the confidentiality waiver (who may see what), consent to notify. */
export interface IpConsent {
  key: string;
  kind: ConsentKind;
  status: 'draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error';
  /** consentscope code: treatment (the plan) or patient-privacy (the waiver, the notice). */
  scope?: string;
  dateTime?: string;
  /** Who consented: the person's key, or a relative's. */
  givenBy: string;
  /** In what capacity; required when someone other than the person consented. */
  givenAs?: ConsenterRole;
  representationReason?: string;
  policy?: { authority?: string; uri?: string }[];
  decision?: 'permit' | 'deny';
  period?: Period;
  /** The parties the waiver permits, and what each may see. */
  permits?: { party: string; informationScope?: string }[];
  /** Parties explicitly denied. */
  denies?: { party: string }[];
}

/** § 19 i: cooperation with other providers, institutions or agencies. */
export interface IpCooperation {
  party: string;
  description?: string;
}

export interface IpDocument {
  plan: {
    key: string;
    /** The plan identifier, e.g. IP-2026-0042; parts take values derived from it. */
    id: string;
    /** The organisation that owns the plan (normally the kommune). */
    ownerOrgnr: string;
    status: PlanStatus;
    title?: string;
    created?: string;
    author?: string;
    /** § 19 g */
    period: Period & { start: string };
    /** § 19 f: how the measures are carried out, for the plan as a whole. */
    howCarriedOut?: string;
    /** Respect for ethnic, cultural and language background. */
    culturalConsiderations?: string;
  };
  person: IpPerson;
  parties: IpParty[];
  careTeam: { key: string; status?: 'proposed' | 'active' | 'suspended' | 'inactive' | 'entered-in-error'; managingOrganizations?: string[] };
  participants: IpParticipant[];
  goals: IpGoal[];
  assessments: IpAssessment[];
  contributions: IpContribution[];
  measures: IpMeasure[];
  reviews: IpReview[];
  consents: IpConsent[];
  cooperation: IpCooperation[];
  /** The fullUrls a received bundle used, by key, so a round trip keeps them. */
  fullUrls?: Record<string, string>;
}
