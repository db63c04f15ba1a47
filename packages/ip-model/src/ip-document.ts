/**
 * The individuell plan as a document: every content item of forskrift § 19 a–i in plain JSON.
 *
 * This file is the source of truth: `npm run schema -w packages/ip-model` derives the JSON Schema
 * (src/ip-document.schema.json and profiles/ip-document.schema.json) from these types with
 * ts-json-schema-generator, reading the JSDoc tags (pattern, minLength, …). A test fails when the
 * committed schema drifts from the types.
 *
 * Everyone the plan names is a participant, and is referred to by `key` everywhere else (measures'
 * responsible, goals' expressed-by, consents' given-by, the waiver's permitted and denied parties,
 * cooperation). Where each item lands in FHIR: docs/fhir-mapping.md.
 */

/**
 * A key: names one item in the document, becomes its FHIR id and part of its identifier values.
 * @pattern ^[A-Za-z0-9\-.]{1,64}$
 */
export type Key = string;

/**
 * A non-empty text.
 * @minLength 1
 */
export type Text = string;

/**
 * A date, YYYY-MM-DD.
 * @pattern ^\d{4}-\d{2}-\d{2}$
 */
export type DateString = string;

/**
 * A date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone.
 * @pattern ^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$
 */
export type DateOrDateTime = string;

/**
 * An organisasjonsnummer (Enhetsregisteret), 9 digits.
 * @pattern ^\d{9}$
 */
export type Orgnr = string;

/** Life areas (Lund kommune's guideline); goals, resources, needs and measures are grouped by them. Code system ip-life-area. */
export type LifeArea = 'helse-omsorg' | 'dagtid-arbeid-skole' | 'bolig' | 'fritid' | 'okonomi' | 'sosialt-nettverk';
/** Roles in the planning (code system ip-careteam-role). */
export type CareTeamRole =
  'koordinator' | 'midlertidig-koordinator' | 'bruker' | 'paarorende' | 'verge' | 'tjenesteyter';
/** Kinds of planned review (code system ip-plan-review). */
export type ReviewKind = 'revisjon' | 'evaluering' | 'justering';
/** The consent's category (code system ip-consent-category). */
export type ConsentKind = 'ip-samtykke' | 'taushetsplikt-fritak' | 'melding-samtykke';
/** In what capacity consent was given (code system ip-consenter-role): the person, a parent or guardian, a representative. */
export type ConsenterRole = 'selv' | 'foresatt' | 'representant';
export type PlanStatus = 'draft' | 'active' | 'on-hold' | 'revoked' | 'completed' | 'entered-in-error' | 'unknown';
export type MeasureStatus =
  | 'not-started'
  | 'scheduled'
  | 'in-progress'
  | 'on-hold'
  | 'completed'
  | 'cancelled'
  | 'stopped'
  | 'unknown'
  | 'entered-in-error';
export type GoalStatus =
  | 'proposed'
  | 'planned'
  | 'accepted'
  | 'active'
  | 'on-hold'
  | 'completed'
  | 'cancelled'
  | 'entered-in-error'
  | 'rejected';
export type ConsentStatus = 'draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error';

export interface HumanName {
  family?: Text;
  given?: Text[];
}

export interface Period {
  start?: DateOrDateTime;
  end?: DateOrDateTime;
}

/**
 * Who a measure or review is the responsibility of: a participant by key, a provider only known by name, or both.
 * @minProperties 1
 */
export interface Responsible {
  participant?: Key;
  /** Free-text name, e.g. "NAV Ålesund" when NAV is not a participant. */
  name?: Text;
}

/** Identity of the plan, owned by an organisation (normally the kommune). */
export interface IpPlanIdentity {
  /** Key of the CarePlan. */
  key: Key;
  /** The plan identifier, e.g. IP-2026-0042; the plan's parts take values derived from it. */
  id: Text;
  /** The organisation that owns the plan; its identifier system is http://ipbro.no/fhir/sid/org/{ownerOrgnr}/ip. */
  ownerOrgnr: Orgnr;
  status: PlanStatus;
  title?: Text;
  created?: DateOrDateTime;
  /** The participant who wrote the plan. */
  author?: Key;
  /** The version the sender's system holds (CarePlan.meta.versionId). */
  version?: Text;
  /** When the sender's system last changed the plan (CarePlan.meta.lastUpdated), an ISO date-time. */
  lastUpdated?: DateOrDateTime;
}

/** The person the plan is for. */
export interface IpPerson {
  /** Key of the Patient. */
  key: Key;
  /** Fødselsnummer or D-nummer (synthetic numbers in tests). */
  personNumber: {
    kind: 'fodselsnummer' | 'd-nummer';
    /**
     * Eleven digits.
     * @pattern ^\d{11}$
     */
    value: string;
  };
  name?: HumanName;
  birthDate?: DateString;
  gender?: 'male' | 'female' | 'other' | 'unknown';
  address?: {
    use?: 'home' | 'temp' | 'old' | 'billing' | 'work';
    lines?: Text[];
    postalCode?: Text;
    city?: Text;
    district?: Text;
    /**
     * The home kommune (no-basis municipality code).
     * @pattern ^\d{4}$
     */
    kommunenummer?: string;
    kommuneName?: Text;
  };
  /** Language background: the languages (BCP-47 codes) and which is preferred. */
  languages?: { code: Text; preferred?: boolean }[];
  interpreterNeeded?: boolean;
}

/**
 * § 19 b, c: someone the plan names: the person, a relative, a practitioner or an organisation.
 * With a `role` they take part in the planning (a CareTeam participant); the koordinator and a
 * hospital's midlertidig-koordinator are roles, with periods. Without a role they are only named
 * (an organisation a koordinator acts for, a cooperating agency, a relative who consented).
 * Someone who holds two roles is listed once per role under the same key, identity on the first row.
 */
export interface IpParticipant {
  /** Key of the Patient (kind person), RelatedPerson, Practitioner or Organization. */
  key: Key;
  kind: 'person' | 'relative' | 'practitioner' | 'organisation';
  identifiers?: {
    /**
     * HPR-nummer of a practitioner.
     * @pattern ^\d{1,9}$
     */
    hprNummer?: string;
    /** Organisasjonsnummer of an organisation. */
    orgnr?: Orgnr;
    /**
     * HER-id (Adresseregisteret) of an organisation or practitioner.
     * @pattern ^\d{1,9}$
     */
    herId?: string;
  };
  /** A person's name (relative, practitioner); organisations use `organisationName`. */
  name?: HumanName;
  organisationName?: Text;
  /** A relative's relationship to the person (v3-RoleCode, e.g. MTH, FTH, SPS, GUARD). */
  relationship?: Text;
  role?: CareTeamRole;
  /** The organisation (participant key) this participant acts for. */
  onBehalfOf?: Key;
  /** When the role is held; a koordinator is active with no end or an end in the future. */
  period?: Period;
}

/** § 19 a: the person's goals, by life area. */
export interface IpGoal {
  key: Key;
  lifeArea: LifeArea;
  text: Text;
  status: GoalStatus;
  /** The participant who expressed the goal (normally the person). */
  expressedBy?: Key;
  dueDate?: DateString;
}

/** § 19 a: resources the person has and needs for services, by life area. */
export interface IpResourceOrNeed {
  lifeArea: LifeArea;
  kind: 'resource' | 'need';
  text: Text;
}

/** § 19 d: what the person, the providers and relatives contribute. */
export interface IpContribution {
  /** The participant who contributes, when known. */
  by?: Key;
  /** Who contributes, by name, when they are not a participant. */
  byName?: Text;
  text: Text;
}

/** § 19 e, f: a measure (tiltak), its scope, frequency, who is responsible and how it is carried out. */
export interface IpMeasure {
  key: Key;
  title: Text;
  /** § 19 f: how the measure is carried out. */
  description?: Text;
  status: MeasureStatus;
  /** The life area, when not evident from the goals. */
  lifeArea?: LifeArea;
  /** Scope in words, e.g. "2 timer per uke". */
  scope?: Text;
  /** `count` times per `period` `unit`s, e.g. 2 per 1 wk. */
  frequency?: {
    /**
     * @minimum 1
     * @asType integer
     */
    count: number;
    /** @exclusiveMinimum 0 */
    period: number;
    unit: 's' | 'min' | 'h' | 'd' | 'wk' | 'mo' | 'a';
  };
  /**
   * At least one responsible: participant keys and/or free-text names.
   * @minItems 1
   */
  responsible: Responsible[];
  /** Keys of the goals the measure serves. */
  goals?: Key[];
}

/** § 19 g: a planned revision, evaluation or adjustment of the plan. */
export interface IpReview {
  key: Key;
  kind: ReviewKind;
  /** The text the plan shows, e.g. "Revisjon av planen". */
  label?: Text;
  date: DateOrDateTime;
  endDate?: DateOrDateTime;
  status: MeasureStatus;
  /** Who holds the review. */
  heldBy?: Responsible[];
}

/** § 19 h: consent to the plan (ip-samtykke), the confidentiality waiver (taushetsplikt-fritak), consent to notify (melding-samtykke). */
export interface IpConsent {
  key: Key;
  kind: ConsentKind;
  status: ConsentStatus;
  /** consentscope code when not the usual one (treatment for the plan, patient-privacy otherwise). */
  scope?: Text;
  /** When consent was given. */
  dateTime?: DateOrDateTime;
  /** Who consented: the person's key, or a relative's. */
  givenBy: Key;
  /** In what capacity; required (by the rules) when someone other than the person consented. */
  givenAs?: ConsenterRole;
  /** Why a representative consented on the person's behalf. */
  representationReason?: Text;
  /** The law or policy the consent rests on. */
  policy?: { authority?: Text; uri?: Text }[];
  /** The base decision; permit unless said otherwise. */
  decision?: 'permit' | 'deny';
  /** How long the consent holds. */
  period?: Period;
  /** The participants the waiver lets see confidential information, and what each may see. */
  permits?: { participant: Key; informationScope?: Text }[];
  /** Participants explicitly denied. */
  denies?: { participant: Key }[];
}

/** § 19 i: necessary or desirable cooperation with other providers, institutions or agencies. */
export interface IpCooperation {
  /** The organisation (participant key). */
  organisation: Key;
  description?: Text;
}

export interface IpDocument {
  plan: IpPlanIdentity;
  person: IpPerson;
  /** Respect for the person's ethnic, cultural and language background. */
  culturalConsiderations?: Text;
  /** § 19 a */
  goals: IpGoal[];
  /** § 19 a */
  resourcesAndNeeds: IpResourceOrNeed[];
  /**
   * § 19 b, c. Canonical order (the one fhirToIpDocument gives, so a round trip is exact): everyone
   * with a role first, in the order they take part; then those only named: practitioners, relatives,
   * organisations.
   */
  participants: IpParticipant[];
  /** The CareTeam that holds the participants with a role. */
  careTeam: {
    key: Key;
    status?: 'proposed' | 'active' | 'suspended' | 'inactive' | 'entered-in-error';
    /** Participant keys of the organisations that manage the team. */
    managingOrganisations?: Key[];
  };
  /** § 19 d */
  contributions: IpContribution[];
  /** § 19 e, f */
  measures: IpMeasure[];
  /** § 19 f: how the plan as a whole is carried out. */
  howCarriedOut?: Text;
  /** § 19 g */
  period: Period & { start: DateOrDateTime };
  /** § 19 g */
  reviews: IpReview[];
  /** § 19 h */
  consents: IpConsent[];
  /** § 19 i */
  cooperation: IpCooperation[];
  /**
   * The fullUrls a received bundle used, by key, where they differ from the ones IP-bro derives, so
   * a round trip keeps them.
   */
  fullUrls?: Record<Key, Text>;
}
