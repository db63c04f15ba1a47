import { makeSyntheticFodselsnummer } from '@ipbro/identifiers';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  Consent,
  Extension,
  MessageHeader,
  Patient,
  Practitioner,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { contractExample } from './fixtures';

/*
 * The messages of issue 22 (the law, the contract's bundle rules, cardinality), each made from a contract
 * example as it is: what must be refused, with the element the 422 names, and what must be accepted.
 * The validation tests, the gateway's (test/src/law-rules.test.ts) and `ipbro validate`'s use the same
 * cases. Entries are found by type and id, never by an identifier system, so the cases hold whichever
 * form the plan identifiers' systems take. Each case has a fresh message id, and each plan copy its own
 * person and plan identifier (one plan per person).
 */

export const SENDER = { hmr: '997005562', alesund: '942953119' } as const;
const ROLE = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const V3_ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const EXT = 'http://ipbro.no/fhir/StructureDefinition/';
const HMR_DOCTOR_URL = 'urn:uuid:5e7fa22d-054e-5f0f-af31-0f8816808804';

export interface LawCase {
  name: string;
  /** The organisation that sends it (the gateway's token must be this organisation's). */
  sender: string;
  bundle: Bundle;
  /** A refusal: the element the 422 names and what it says; none for a message to accept. */
  refusal?: { expression: string; diagnostics: RegExp };
}

const find = <T extends Resource>(b: Bundle, type: T['resourceType'], id?: string): T =>
  b.entry!.find((e) => e.resource?.resourceType === type && (id === undefined || e.resource.id === id))!.resource as T;
const indexOf = (b: Bundle, type: string, id?: string): number =>
  b.entry!.findIndex((e) => e.resource?.resourceType === type && (id === undefined || e.resource.id === id));
const fullUrlOf = (b: Bundle, type: string, id?: string): string => b.entry![indexOf(b, type, id)].fullUrl as string;
const at = (b: Bundle, type: string, id?: string): string => `Bundle.entry[${indexOf(b, type, id)}].resource`;

// Persons born 2005-03-12 (as the example's) or 2012-06-01 (a child): individual numbers 500–999, a random start per process.
let nextIndividual = 500 + Math.floor(Math.random() * 400);
const handedOut = new Set<string>(['12830551210']);
/** A synthetic fødselsnummer never handed out before in this process (an invalid individual number moves on to the next). */
function person(birthDate: string): string {
  for (;;) {
    const fnr = makeSyntheticFodselsnummer(birthDate, (nextIndividual++ % 500) + 500);
    if (!handedOut.has(fnr)) {
      handedOut.add(fnr);
      return fnr;
    }
  }
}
let nextPlan = Math.floor(Math.random() * 90000);

function fresh(b: Bundle): Bundle {
  (b.entry![0].resource as MessageHeader).id = randomUUID();
  return b;
}

/** The example meldeplikt with a fresh message id, changed by `change`. */
function meldeplikt(change: (b: Bundle) => void = () => undefined): Bundle {
  const b = fresh(contractExample('meldeplikt'));
  change(b);
  return b;
}

/**
 * The example plan copy with a fresh message id, a person of its own (born `birthDate`) and a plan
 * identifier of its own: every identifier value of the example's plan (`IP-2026-0042…`) renamed.
 */
function planCopy(change: (b: Bundle) => void = () => undefined, birthDate = '2005-03-12'): Bundle {
  const planValue = `IP-2026-L${String(nextPlan++).padStart(5, '0')}`;
  const text = JSON.stringify(contractExample('ip-plan-copy')).replaceAll('"IP-2026-0042', `"${planValue}`);
  const b = fresh(JSON.parse(text) as Bundle);
  const patient = find<Patient>(b, 'Patient');
  patient.birthDate = birthDate;
  patient.identifier![0].value = person(birthDate);
  change(b);
  return b;
}

/** The plan started in hospital: Helse Møre og Romsdal's doctor is its midlertidig-koordinator, and no kommune koordinator yet. */
function hospitalOnly(b: Bundle, status: CarePlan['status']): void {
  find<CarePlan>(b, 'CarePlan').status = status;
  const team = find<CareTeam>(b, 'CareTeam');
  team.participant![0] = {
    role: [{ coding: [{ system: ROLE, code: 'midlertidig-koordinator' }] }],
    member: { reference: HMR_DOCTOR_URL },
    onBehalfOf: { reference: fullUrlOf(b, 'Organization', 'hmr') },
  };
  const doctor: Practitioner = {
    resourceType: 'Practitioner',
    id: 'lege',
    identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144900' }],
    name: [{ family: 'Lien', given: ['Kari'] }],
  };
  b.entry!.push({ fullUrl: HMR_DOCTOR_URL, resource: doctor });
}

/** Both of the plan's consents given by the RelatedPerson of the example (the mother), with `extension` on each. */
function byRelative(b: Bundle, relationship: string, extension: Consent['extension'] = []): void {
  find<RelatedPerson>(b, 'RelatedPerson').relationship = [{ coding: [{ system: V3_ROLE, code: relationship }] }];
  for (const id of ['ipsamtykke', 'fritak']) {
    const c = find<Consent>(b, 'Consent', id);
    c.performer = [{ reference: fullUrlOf(b, 'RelatedPerson') }];
    if (extension.length) c.extension = extension;
  }
}

const meldepliktConsent = (b: Bundle): Consent => find<Consent>(b, 'Consent');
const patientOf = (b: Bundle): Patient => find<Patient>(b, 'Patient');
const fritakOf = (b: Bundle): Consent => find<Consent>(b, 'Consent', 'fritak');
const REPRESENTANT: Extension = { url: `${EXT}ip-consenter-role`, valueCode: 'representant' };
const CHILD = '2012-06-01';
/** 500,000 of it make a 30 MB message. */
const LONG_NAME = `Fornavn-${'x'.repeat(40)}`;

type Refusal = { name: string; bundle: Bundle; where: (b: Bundle) => string; diagnostics: RegExp };
const refusal = (c: Refusal, sender: string): LawCase => ({
  name: c.name,
  sender,
  bundle: c.bundle,
  refusal: { expression: c.where(c.bundle), diagnostics: c.diagnostics },
});

function meldepliktRefusals(): LawCase[] {
  const hmr = SENDER.hmr;
  const cases: Refusal[] = [
    {
      name: 'two entries with the same fullUrl (bdl-7)',
      bundle: meldeplikt((b) =>
        b.entry!.push({ fullUrl: fullUrlOf(b, 'Patient'), resource: { ...patientOf(b), id: 'pas2' } })
      ),
      where: (b) => `Bundle.entry[${b.entry!.length - 1}].fullUrl`,
      diagnostics: /is also entry 2's: a fullUrl names one entry of a bundle \(bdl-7\)/,
    },
    {
      name: 'Task.requester names nothing in the bundle',
      bundle: meldeplikt((b) => (find<Task>(b, 'Task').requester = { reference: `urn:uuid:${randomUUID()}` })),
      where: (b) => `${at(b, 'Task')}.requester.reference`,
      diagnostics: /Task.requester urn:uuid:.* is not in the bundle/,
    },
    {
      name: 'Consent.patient names nothing in the bundle',
      bundle: meldeplikt((b) => (meldepliktConsent(b).patient = { reference: `urn:uuid:${randomUUID()}` })),
      where: (b) => `${at(b, 'Consent')}.patient.reference`,
      diagnostics: /Consent.patient urn:uuid:.* is not in the bundle/,
    },
    {
      name: 'the author Practitioner without an HPR-nummer',
      bundle: meldeplikt((b) => delete find<Practitioner>(b, 'Practitioner').identifier),
      where: (b) => `${at(b, 'Practitioner')}.identifier`,
      diagnostics: /The author Practitioner carries no HPR-nummer/,
    },
    {
      name: 'a Patient with 500,000 given names (30 MB)',
      bundle: meldeplikt(
        (b) => (patientOf(b).name![0].given = Array.from({ length: 500_000 }, (_, i) => `${LONG_NAME}-${i}`))
      ),
      where: (b) => `${at(b, 'Patient')}.name[0].given`,
      diagnostics: /holds 500000 values; at most 20 are accepted for given/,
    },
    {
      name: 'a Patient with 100,000 identifiers',
      bundle: meldeplikt((b) => {
        const p = find<Patient>(b, 'Patient');
        p.identifier = Array.from({ length: 100_000 }, () => ({ ...p.identifier![0] }));
      }),
      where: (b) => `${at(b, 'Patient')}.identifier`,
      diagnostics: /holds 100000 values; at most 20 are accepted for identifier/,
    },
    {
      name: 'a melding-samtykke that says no (provision.type deny)',
      bundle: meldeplikt((b) => (meldepliktConsent(b).provision!.type = 'deny')),
      where: (b) => `${at(b, 'Consent')}.provision.type`,
      diagnostics: /consent to notify the kommune says no/,
    },
    {
      name: 'a melding-samtykke without a provision',
      bundle: meldeplikt((b) => delete meldepliktConsent(b).provision),
      where: (b) => `${at(b, 'Consent')}.provision`,
      diagnostics: /consent to notify the kommune has no provision/,
    },
    {
      name: "a melding-samtykke of another patient than the Task's",
      bundle: meldeplikt((b) => {
        const sibling = [{ ...patientOf(b).identifier![0], value: person('2005-03-12') }];
        const other: Patient = { ...patientOf(b), id: 'sosken', identifier: sibling };
        const url = `urn:uuid:${randomUUID()}`;
        b.entry!.push({ fullUrl: url, resource: other });
        meldepliktConsent(b).patient = { reference: url };
        meldepliktConsent(b).performer = [{ reference: url }];
      }),
      where: (b) => `${at(b, 'Consent')}.patient`,
      diagnostics: /consent to notify the kommune is not the patient's/,
    },
  ];
  return cases.map((c) => refusal(c, hmr));
}

function planCopyRefusals(): LawCase[] {
  const cases: Refusal[] = [
    {
      name: 'a taushetsplikt-fritak whose provision.actor names nothing in the bundle',
      bundle: planCopy((b) => (fritakOf(b).provision!.actor![0].reference = { reference: `urn:uuid:${randomUUID()}` })),
      where: (b) => `${at(b, 'Consent', 'fritak')}.provision.actor[0].reference.reference`,
      diagnostics: /The taushetsplikt-fritak names urn:uuid:.*, which is not in the bundle/,
    },
    {
      name: 'a midlertidig-koordinator alone in a plan on hold (not before handover)',
      bundle: planCopy((b) => hospitalOnly(b, 'on-hold')),
      where: (b) => `${at(b, 'CareTeam')}.participant`,
      diagnostics: /no active koordinator: .*only before handover \(plan draft or active, not on-hold\)/,
    },
    {
      name: "a mother's consent for an adult (21) without the capacity said",
      bundle: planCopy((b) => byRelative(b, 'MTH')),
      where: (b) => `${at(b, 'Consent', 'ipsamtykke')}.extension`,
      diagnostics: /must say in what capacity/,
    },
    {
      name: "a representative's consent for an adult without the recorded reason",
      bundle: planCopy((b) => byRelative(b, 'MTH', [REPRESENTANT])),
      where: (b) => `${at(b, 'Consent', 'ipsamtykke')}.extension`,
      diagnostics: /representative consented without a recorded reason/,
    },
    {
      name: "a stepfather's consent for a child of 14 without the capacity said (no foreldreansvar by that alone)",
      bundle: planCopy((b) => byRelative(b, 'STPFTH'), CHILD),
      where: (b) => `${at(b, 'Consent', 'ipsamtykke')}.extension`,
      diagnostics: /must say in what capacity/,
    },
  ];
  return cases.map((c) => refusal(c, SENDER.alesund));
}

/** Each message issue 22 says must be refused, with the element the 422 names. */
export function lawRefusals(): LawCase[] {
  return [...meldepliktRefusals(), ...planCopyRefusals()];
}

/** Each message issue 22 says must be accepted (and delivered). */
export function lawAcceptances(): LawCase[] {
  const reason = 'Mangler samtykkekompetanse etter hjerneslag, vurdert av lege 2026-11-20';
  const sender = SENDER.alesund;
  return [
    { name: 'the example meldeplikt', sender: SENDER.hmr, bundle: meldeplikt() },
    {
      name: 'a Patient with 20 given names (the limit)',
      sender: SENDER.hmr,
      bundle: meldeplikt((b) => (patientOf(b).name![0].given = Array.from({ length: 20 }, (_, i) => `Navn${i}`))),
    },
    {
      name: 'a plan started in hospital: its midlertidig-koordinator alone, plan active',
      sender,
      bundle: planCopy((p) => hospitalOnly(p, 'active')),
    },
    {
      name: 'a plan started in hospital: its midlertidig-koordinator alone, plan draft',
      sender,
      bundle: planCopy((p) => hospitalOnly(p, 'draft')),
    },
    {
      name: 'a child of 14: both consents by the mother (MTH), no ip-consenter-role',
      sender,
      bundle: planCopy((p) => byRelative(p, 'MTH'), CHILD),
    },
    {
      name: 'a child of 14: both consents by the guardian (GUARD), no ip-consenter-role',
      sender,
      bundle: planCopy((p) => byRelative(p, 'GUARD'), CHILD),
    },
    {
      name: "a child of 14: both consents by the CareTeam's verge (a grandmother), no ip-consenter-role",
      sender: SENDER.alesund,
      bundle: planCopy((b) => {
        byRelative(b, 'GRMTH');
        find<CareTeam>(b, 'CareTeam').participant![2].role = [{ coding: [{ system: ROLE, code: 'verge' }] }];
      }, CHILD),
    },
    {
      name: 'an adult lacking capacity: the mother as representative with the recorded reason',
      sender: SENDER.alesund,
      bundle: planCopy((b) =>
        byRelative(b, 'MTH', [REPRESENTANT, { url: `${EXT}ip-representation-reason`, valueString: reason }])
      ),
    },
  ];
}
