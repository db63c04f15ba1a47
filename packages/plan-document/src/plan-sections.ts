import type { IpConsent, IpDocument, LifeArea } from '@ipbro/ip-model';
import { joinText, norwegianDate, periodText } from './format';
import {
  CONSENT_KIND,
  CONSENT_STATUS,
  CONSENTER_ROLE,
  frequencyText,
  GOAL_STATUS,
  lawText,
  LIFE_AREA,
  MEASURE_STATUS,
  REVIEW_KIND,
  ROLE,
} from './labels';
import type { Parties } from './parties';

/** A piece of a section: every rendering knows these and nothing else. */
export type Block =
  | { kind: 'subheading'; text: string }
  | { kind: 'text'; text: string }
  /** Nothing in the plan for this item: said in words, shown quieter. */
  | { kind: 'none'; text: string }
  | { kind: 'facts'; rows: { label: string; value: string }[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; columns: string[]; rows: string[][] };

interface SectionSpec {
  letter: string;
  heading: string;
  law: string;
  blocks(doc: IpDocument, parties: Parties): Block[];
}

const none = (text: string): Block[] => [{ kind: 'none', text }];
const facts = (rows: [string, string | undefined][]): Block => ({
  kind: 'facts',
  rows: rows.filter((r): r is [string, string] => !!r[1]).map(([label, value]) => ({ label, value })),
});

function goalsResourcesNeeds(doc: IpDocument, parties: Parties): Block[] {
  const used = new Set<LifeArea>([
    ...doc.goals.map((g) => g.lifeArea),
    ...doc.resourcesAndNeeds.map((r) => r.lifeArea),
  ]);
  const areas = (Object.keys(LIFE_AREA) as LifeArea[]).filter((a) => used.has(a));
  if (areas.length === 0) return none('Planen oppgir ingen mål, ressurser eller behov.');
  return areas.flatMap((area): Block[] => {
    const goals = doc.goals
      .filter((g) => g.lifeArea === area)
      .map((g) => {
        const detail = joinText([
          GOAL_STATUS[g.status] ?? g.status,
          g.dueDate ? `frist ${norwegianDate(g.dueDate)}` : undefined,
          g.expressedBy ? `uttrykt av ${parties.name(g.expressedBy)}` : undefined,
        ]);
        return `Mål: ${g.text} (${detail})`;
      });
    const assessed = doc.resourcesAndNeeds
      .filter((r) => r.lifeArea === area)
      .map((r) => `${r.kind === 'resource' ? 'Ressurs' : 'Behov'}: ${r.text}`);
    return [
      { kind: 'subheading', text: LIFE_AREA[area] },
      { kind: 'list', items: [...goals, ...assessed] },
    ];
  });
}

function participantsBlocks(doc: IpDocument, parties: Parties): Block[] {
  const withRole = doc.participants.filter((p) => p.role);
  const blocks: Block[] =
    withRole.length === 0
      ? none('Planen oppgir ingen deltakere.')
      : [
          {
            kind: 'table',
            columns: ['Navn', 'Rolle', 'På vegne av', 'Periode'],
            rows: withRole.map((p) => [
              parties.describe(p.key, false),
              ROLE[p.role!] ?? p.role!,
              p.onBehalfOf ? parties.name(p.onBehalfOf) : '',
              periodText(p.period),
            ]),
          },
        ];
  const managing = (doc.careTeam.managingOrganisations ?? []).map((k) => parties.name(k));
  if (managing.length > 0) blocks.push({ kind: 'text', text: `Planarbeidet ledes av ${joinText(managing, ' og ')}.` });
  return blocks;
}

function koordinatorBlocks(doc: IpDocument, parties: Parties): Block[] {
  const rows = doc.participants.filter((p) => p.role === 'koordinator' || p.role === 'midlertidig-koordinator');
  if (rows.length === 0) return none('Planen angir ingen koordinator.');
  return rows.map((p) => {
    const id = parties.rowsOf(p.key).find((r) => r.identifiers)?.identifiers;
    return facts([
      [ROLE[p.role!], parties.name(p.key)],
      ['HPR-nummer', id?.hprNummer],
      ['På vegne av', p.onBehalfOf ? parties.name(p.onBehalfOf) : undefined],
      ['Periode', periodText(p.period)],
    ]);
  });
}

function contributionBlocks(doc: IpDocument, parties: Parties): Block[] {
  if (doc.contributions.length === 0) return none('Planen sier ikke hva den enkelte bidrar med.');
  return [
    {
      kind: 'list',
      items: doc.contributions.map((c) => {
        const who = c.by ? parties.describe(c.by) : c.byName;
        return who ? `${who}: ${c.text}` : c.text;
      }),
    },
  ];
}

function measureBlocks(doc: IpDocument, parties: Parties): Block[] {
  if (doc.measures.length === 0) return none('Planen har ingen tiltak.');
  const goalText = new Map(doc.goals.map((g) => [g.key, g.text]));
  return [
    {
      kind: 'table',
      columns: ['Tiltak', 'Omfang', 'Ansvarlig', 'Status', 'Mål'],
      rows: doc.measures.map((m) => [
        m.lifeArea ? `${m.title} (${LIFE_AREA[m.lifeArea]})` : m.title,
        joinText([m.scope, m.frequency ? frequencyText(m.frequency) : undefined], '; '),
        parties.responsibleList(m.responsible),
        MEASURE_STATUS[m.status] ?? m.status,
        joinText(
          (m.goals ?? []).map((k) => goalText.get(k) ?? k),
          '; '
        ),
      ]),
    },
  ];
}

function carriedOutBlocks(doc: IpDocument): Block[] {
  const described = doc.measures.filter((m) => m.description).map((m) => `${m.title}: ${m.description}`);
  const blocks: Block[] = doc.howCarriedOut ? [{ kind: 'text', text: doc.howCarriedOut }] : [];
  if (described.length > 0) blocks.push({ kind: 'list', items: described });
  return blocks.length > 0 ? blocks : none('Planen beskriver ikke hvordan tiltakene skal gjennomføres.');
}

function periodBlocks(doc: IpDocument, parties: Parties): Block[] {
  const blocks: Block[] = [facts([['Planperiode', periodText(doc.period)]])];
  if (doc.reviews.length === 0)
    return [...blocks, ...none('Planen har ingen dato for justering, revisjon eller evaluering.')];
  const items = doc.reviews.map((r) => {
    const when =
      r.endDate && r.endDate !== r.date ? periodText({ start: r.date, end: r.endDate }) : norwegianDate(r.date);
    const held = r.heldBy?.length ? `; holdes av ${parties.responsibleList(r.heldBy)}` : '';
    return `${r.label ?? REVIEW_KIND[r.kind]}: ${when}, ${(MEASURE_STATUS[r.status] ?? r.status).toLowerCase()}${held}`;
  });
  return [...blocks, { kind: 'list', items }];
}

function consentBlocks(consent: IpConsent, parties: Parties): Block[] {
  const givenAs = consent.givenAs && consent.givenAs !== 'selv' ? ` (${CONSENTER_ROLE[consent.givenAs]})` : '';
  const blocks: Block[] = [
    { kind: 'subheading', text: CONSENT_KIND[consent.kind] ?? consent.kind },
    facts([
      ['Gitt av', `${parties.describe(consent.givenBy)}${givenAs}`],
      ['Dato', norwegianDate(consent.dateTime)],
      ['Gjelder', periodText(consent.period)],
      ['Status', CONSENT_STATUS[consent.status] ?? consent.status],
      ['Beslutning', consent.decision === 'deny' ? 'Nekter, med de unntak som står under' : undefined],
      ['Hvorfor en representant samtykket', consent.representationReason],
      ['Hjemmel', joinText((consent.policy ?? []).map((p) => (p.uri ? lawText(p.uri) : p.authority)))],
    ]),
  ];
  if (consent.permits?.length) {
    const items = consent.permits.map((p) => joinText([parties.describe(p.participant), p.informationScope], ': '));
    blocks.push({ kind: 'text', text: 'Får innsyn i taushetsbelagte opplysninger:' }, { kind: 'list', items });
  }
  if (consent.denies?.length) {
    const items = consent.denies.map((d) => parties.describe(d.participant));
    blocks.push({ kind: 'text', text: 'Får ikke innsyn:' }, { kind: 'list', items });
  }
  return blocks;
}

function cooperationBlocks(doc: IpDocument, parties: Parties): Block[] {
  if (doc.cooperation.length === 0)
    return none('Planen nevner ikke samarbeid med andre tjenesteytere, institusjoner eller etater.');
  return [
    { kind: 'list', items: doc.cooperation.map((c) => joinText([parties.name(c.organisation), c.description], ': ')) },
  ];
}

/** Forskrift om habilitering og rehabilitering, individuell plan og koordinator § 19 a–i, in the law's order and words. */
export const SECTIONS: readonly SectionSpec[] = [
  {
    letter: 'a',
    heading: 'Mål, ressurser og behov',
    blocks: goalsResourcesNeeds,
    law: 'en oversikt over pasientens og brukerens mål, ressurser og behov for tjenester',
  },
  {
    letter: 'b',
    heading: 'Deltakere',
    law: 'en oversikt over hvem som deltar i arbeidet med planen',
    blocks: participantsBlocks,
  },
  { letter: 'c', heading: 'Koordinator', law: 'en angivelse av hvem som er koordinator', blocks: koordinatorBlocks },
  {
    letter: 'd',
    heading: 'Bidrag',
    blocks: contributionBlocks,
    law: 'en oversikt over hva pasienten og brukeren, tjeneste- og bidragsyterne og eventuelt pårørende vil bidra med i planarbeidet',
  },
  {
    letter: 'e',
    heading: 'Tiltak med omfang og ansvar',
    blocks: measureBlocks,
    law: 'en oversikt over hvilke tiltak som er aktuelle og omfanget av dem, og hvem som skal ha ansvaret for disse',
  },
  {
    letter: 'f',
    heading: 'Gjennomføring',
    law: 'en beskrivelse av hvordan tiltakene skal gjennomføres',
    blocks: carriedOutBlocks,
  },
  {
    letter: 'g',
    heading: 'Planperiode og revisjon',
    blocks: periodBlocks,
    law: 'en angivelse av planperioden og tidspunkt for eventuelle justeringer og revisjoner av planen',
  },
  {
    letter: 'h',
    heading: 'Samtykke og hvem som får innsyn',
    law:
      'pasientens og brukerens samtykke til at planen utarbeides og eventuelt samtykke til at deltakere i planleggingen ' +
      'gis tilgang til taushetsbelagte opplysninger',
    blocks: (doc, parties) =>
      doc.consents.length === 0
        ? none('Planen inneholder ikke samtykke.')
        : doc.consents.flatMap((c) => consentBlocks(c, parties)),
  },
  {
    letter: 'i',
    heading: 'Samarbeid',
    blocks: cooperationBlocks,
    law: 'en oversikt over nødvendig eller ønskelig samarbeid med andre tjenesteytere, institusjoner eller etater',
  },
];
