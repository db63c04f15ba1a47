import type { IpDocument } from '@ipbro/ip-model';
import { joinText, nameText, norwegianDate, periodText } from './format';
import { GENDER, languageName, PLAN_STATUS } from './labels';
import { Parties } from './parties';
import type { CopyInfo } from './plan-source';
import { SECTIONS, type Block } from './plan-sections';

export type { Block } from './plan-sections';

/** A labelled value: "Fødselsnummer: 12830551210". */
export interface Fact {
  label: string;
  value: string;
}

export interface PlanSection {
  /** The letter of forskrift § 19: a … i. */
  letter: string;
  heading: string;
  /** What the forskrift says the item holds. */
  law: string;
  blocks: Block[];
}

/**
 * The plan as a reader sees it, one model for every rendering (HTML, PDF, the CarePlan narrative):
 * who and which plan, which copy, then forskrift § 19 a–i in the law's order, each section present
 * (an item the plan leaves empty says so).
 */
export interface PlanView {
  title: string;
  subtitle?: string;
  person: Fact[];
  plan: Fact[];
  /** Which copy this is; the narrative, which belongs to the plan, has none. */
  copy?: Fact[];
  sections: PlanSection[];
}

const COPY_KIND: Record<CopyInfo['kind'], string> = {
  'ip-plan-copy': 'Kopi av planen, sendt elektronisk',
  'koordinator-handover': 'Overføring av koordinatoransvaret, med planen',
  printout: 'Utskrift av planen',
};

const fact = (label: string, value: string | undefined): Fact[] => (value ? [{ label, value }] : []);

function personFacts(doc: IpDocument): Fact[] {
  const p = doc.person;
  const a = p.address;
  const preferred = p.languages?.find((l) => l.preferred) ?? p.languages?.[0];
  const others = (p.languages ?? []).filter((l) => l !== preferred).map((l) => languageName(l.code));
  const languages = preferred
    ? joinText([`${languageName(preferred.code)}${preferred.preferred ? ' (foretrukket)' : ''}`, ...others])
    : '';
  return [
    ...fact('Navn', nameText(p.name) || 'Ikke oppgitt'),
    ...fact(p.personNumber.kind === 'd-nummer' ? 'D-nummer' : 'Fødselsnummer', p.personNumber.value),
    ...fact('Fødselsdato', norwegianDate(p.birthDate)),
    ...fact('Kjønn', p.gender ? GENDER[p.gender] : undefined),
    ...fact('Adresse', a ? joinText([...(a.lines ?? []), joinText([a.postalCode, a.city], ' ')]) : undefined),
    ...fact(
      'Hjemkommune',
      a?.kommunenummer ? joinText([a.kommuneName ?? a.district, a.kommunenummer], ' ') : undefined
    ),
    ...fact('Språk', languages),
    ...fact(
      'Tolk',
      p.interpreterNeeded === undefined ? undefined : p.interpreterNeeded ? 'Trenger tolk' : 'Trenger ikke tolk'
    ),
    ...fact('Etniske, kulturelle og språklige forutsetninger', doc.culturalConsiderations),
  ];
}

function planFacts(doc: IpDocument, parties: Parties): Fact[] {
  const plan = doc.plan;
  const owner = parties.byOrgnr(plan.ownerOrgnr);
  const orgnr = `organisasjonsnummer ${plan.ownerOrgnr}`;
  return [
    ...fact('Planens identifikator', plan.id),
    ...fact('Planen eies av', owner ? `${parties.name(owner)} (${orgnr})` : orgnr),
    ...fact('Status', PLAN_STATUS[plan.status] ?? plan.status),
    ...fact('Planperiode', periodText(doc.period)),
    ...fact('Opprettet', norwegianDate(plan.created)),
    ...fact('Skrevet av', plan.author ? parties.describe(plan.author) : undefined),
    ...fact('Versjon', plan.version),
    ...fact('Sist endret', norwegianDate(plan.lastUpdated)),
  ];
}

function copyFacts(copy: CopyInfo): Fact[] {
  return [
    ...fact('Dette er', COPY_KIND[copy.kind]),
    ...fact('Dato', norwegianDate(copy.at)),
    ...fact('Laget av', copy.by),
  ];
}

/** The view of a plan; with `copy` it also says which copy the reader holds. */
export function planView(doc: IpDocument, copy?: CopyInfo): PlanView {
  const parties = new Parties(doc);
  const title = doc.plan.title && doc.plan.title !== 'Individuell plan' ? doc.plan.title : undefined;
  return {
    title: 'Individuell plan',
    ...(title ? { subtitle: title } : {}),
    person: personFacts(doc),
    plan: planFacts(doc, parties),
    ...(copy ? { copy: copyFacts(copy) } : {}),
    sections: SECTIONS.map((s) => ({
      letter: s.letter,
      heading: s.heading,
      law: s.law,
      blocks: s.blocks(doc, parties),
    })),
  };
}
