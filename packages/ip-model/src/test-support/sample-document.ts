import type { IpDocument } from '../ip-document';

/**
 * A small, hand-written plan with every content item of § 19 filled in, for the focused mapping
 * tests. Synthetic fødselsnummer (month + 80). Ålesund kommune owns the plan; Helse Møre og Romsdal
 * takes part with a midlertidig-koordinator.
 */
export function sampleDocument(): IpDocument {
  return {
    plan: {
      key: 'ip',
      id: 'IP-2026-0042',
      ownerOrgnr: '942953119',
      status: 'active',
      title: 'Individuell plan for Ola Nordmann',
      created: '2026-11-21',
      author: 'koord',
      version: '3',
      lastUpdated: '2026-11-22T10:00:00+01:00',
    },
    person: {
      key: 'pas',
      personNumber: { kind: 'fodselsnummer', value: '12830551210' },
      name: { family: 'Nordmann', given: ['Ola'] },
      birthDate: '2005-03-12',
      address: {
        use: 'home',
        lines: ['Storgata 1'],
        postalCode: '6002',
        city: 'Ålesund',
        kommunenummer: '1508',
        kommuneName: 'Ålesund',
      },
      languages: [{ code: 'ar', preferred: true }, { code: 'nb' }],
      interpreterNeeded: true,
    },
    culturalConsiderations: 'Tolk ved møter; hensyn til ramadan ved avtaler.',
    goals: [
      {
        key: 'g1',
        lifeArea: 'helse-omsorg',
        text: 'Klare meg selv i egen bolig',
        status: 'active',
        expressedBy: 'pas',
        dueDate: '2027-08-01',
      },
      { key: 'g2', lifeArea: 'dagtid-arbeid-skole', text: 'Tilbake i deltidsarbeid', status: 'proposed' },
    ],
    resourcesAndNeeds: [
      { lifeArea: 'sosialt-nettverk', kind: 'resource', text: 'God støtte fra mor' },
      { lifeArea: 'bolig', kind: 'need', text: 'Trenger tilrettelagt bolig' },
    ],
    participants: sampleParticipants(),
    careTeam: { key: 'team', status: 'active', managingOrganisations: ['alesund'] },
    contributions: [
      { by: 'pas', text: 'Bruker trener daglig' },
      { by: 'mor', text: 'Mor kjører til fysioterapi' },
      { byName: 'Naboen', text: 'Naboen handler på lørdager' },
    ],
    measures: sampleMeasures(),
    howCarriedOut: 'Ansvarsgruppemøte hver sjette uke.',
    period: { start: '2026-11-21', end: '2027-11-21' },
    reviews: [
      {
        key: 'r1',
        kind: 'revisjon',
        label: 'Revisjon av planen',
        date: '2027-05-21',
        status: 'scheduled',
        heldBy: [{ participant: 'koord' }],
      },
      { key: 'r2', kind: 'evaluering', date: '2027-02-01', endDate: '2027-02-01', status: 'not-started' },
    ],
    consents: sampleConsents(),
    cooperation: [{ organisation: 'nav', description: 'Arbeidsavklaring og økonomi' }, { organisation: 'hmr' }],
  };
}

function sampleParticipants(): IpDocument['participants'] {
  return [
    {
      key: 'koord',
      kind: 'practitioner',
      identifiers: { hprNummer: '5512345' },
      name: { family: 'Hansen', given: ['Per'] },
      role: 'koordinator',
      onBehalfOf: 'alesund',
    },
    { key: 'pas', kind: 'person', role: 'bruker' },
    {
      key: 'hfkoord',
      kind: 'practitioner',
      identifiers: { hprNummer: '7712345' },
      role: 'midlertidig-koordinator',
      onBehalfOf: 'hmr',
      period: { start: '2026-11-15', end: '2026-12-15' },
    },
    {
      key: 'mor',
      kind: 'relative',
      name: { family: 'Nordmann', given: ['Anne'] },
      relationship: 'MTH',
      role: 'paarorende',
    },
    {
      key: 'hmr',
      kind: 'organisation',
      identifiers: { orgnr: '997005562', herId: '8094512' },
      organisationName: 'Helse Møre og Romsdal HF',
      role: 'tjenesteyter',
    },
    { key: 'mor', kind: 'relative', role: 'verge', period: { start: '2026-11-21' } },
    {
      key: 'alesund',
      kind: 'organisation',
      identifiers: { orgnr: '942953119', herId: '8110021' },
      organisationName: 'Ålesund kommune, Koordinerende enhet',
    },
    { key: 'nav', kind: 'organisation', identifiers: { orgnr: '889640782' }, organisationName: 'NAV Ålesund' },
  ];
}

function sampleMeasures(): IpDocument['measures'] {
  return [
    {
      key: 't1',
      title: 'Hjemmesykepleie',
      description: 'Tilsyn morgen og kveld, medisinhåndtering',
      status: 'scheduled',
      lifeArea: 'helse-omsorg',
      scope: '2 besøk per dag',
      frequency: { count: 2, period: 1, unit: 'd' },
      responsible: [{ participant: 'alesund' }],
      goals: ['g1'],
    },
    {
      key: 't2',
      title: 'Arbeidsavklaring',
      status: 'not-started',
      responsible: [{ name: 'NAV Ålesund' }, { participant: 'koord', name: 'Per Hansen' }],
      goals: ['g2'],
    },
  ];
}

function sampleConsents(): IpDocument['consents'] {
  return [
    {
      key: 'ipsamtykke',
      kind: 'ip-samtykke',
      status: 'active',
      dateTime: '2026-11-21T09:00:00+01:00',
      givenBy: 'pas',
      givenAs: 'selv',
      policy: [{ authority: 'https://lovdata.no', uri: 'https://lovdata.no/lov/1999-07-02-63/§2-5' }],
      period: { start: '2026-11-21', end: '2027-11-21' },
    },
    {
      key: 'fritak',
      kind: 'taushetsplikt-fritak',
      status: 'active',
      dateTime: '2026-11-21T09:00:00+01:00',
      givenBy: 'mor',
      givenAs: 'representant',
      representationReason: 'Mangler samtykkekompetanse, vurdert av lege',
      policy: [{ uri: 'https://lovdata.no/lov/1999-07-02-64/§22' }],
      period: { start: '2026-11-21' },
      permits: [{ participant: 'alesund', informationScope: 'Hele planen' }, { participant: 'hmr' }],
      denies: [{ participant: 'nav' }],
    },
  ];
}
