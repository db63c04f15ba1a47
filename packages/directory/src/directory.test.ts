import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directory, directoryProblems, type DirectoryData } from './index';

const DEMO = JSON.parse(readFileSync(join(__dirname, '..', 'demo-directory.json'), 'utf8'));
const clone = () => JSON.parse(JSON.stringify(DEMO));

test('the demo directory is valid and answers by kommunenummer, orgnr and HER-id', () => {
  const d = Directory.fromObject(DEMO);
  expect(d.byKommunenummer('1508')?.name).toBe('Ålesund kommune');
  expect(d.byOrgnr('997005562')?.name).toBe('Helse Møre og Romsdal HF');
  expect(d.byHerId('8110021')?.orgnr).toBe('942953119');
  expect(d.byKommunenummer('9999')).toBeUndefined();
  expect(d.byOrgnr('942953119')).toMatchObject({ kommunenummer: '1508' }); // a kommune by orgnr too
  expect(d.byHerId('8094512')?.orgnr).toBe('997005562'); // a helseforetak by HER-id
  expect(d.byHerId('1')).toBeUndefined();
  expect(d.byOrgnr('993467049')?.name).toBe('Oslo universitetssykehus HF');
  expect(d.helseforetakByOrgnr('997005562')?.koordinerendeEnhet?.endpoint).toBe('http://127.0.0.1:4102/fhir');
  expect(d.helseforetakByOrgnr('942953119')).toBeUndefined(); // Ålesund is a kommune
});

test('the demo directory has the five kommuner and the four helseforetak, every organisasjonsnummer valid', () => {
  const d = Directory.fromObject(DEMO);
  expect(d.snapshot().kommuner.map((k) => k.kommunenummer)).toEqual(['1508', '1506', '0301', '5001', '4601']);
  expect(
    d
      .snapshot()
      .helseforetak.map((h) => h.orgnr)
      .sort()
  ).toEqual(['883974832', '983974724', '993467049', '997005562']);
  expect(d.byKommunenummer('1508')).toMatchObject({ orgnr: '942953119', koordinerendeEnhet: { herId: '8110021' } });
});

test('routing follows the contract table; an explicit destination wins', () => {
  const d = Directory.fromObject(DEMO);
  expect(d.recipientFor('meldeplikt', { homeKommune: '1508' })).toMatchObject({
    kommunenummer: '1508',
    via: 'koordinerendeEnhet',
    target: { delivery: 'fhir-message' },
  });
  expect(d.recipientFor('koordinator-handover', { homeKommune: '1508' })?.via).toBe('koordinerendeEnhet');
  expect(d.recipientFor('epikrise', { homeKommune: '1508' })).toMatchObject({
    via: 'ehr',
    target: { delivery: 'fhir-rest', maxTransactionEntries: 8 },
  });
  expect(d.recipientFor('epikrise', { homeKommune: '1506' })?.via).toBe('koordinerendeEnhet'); // no ehr: its KE
  expect(d.recipientFor('ip-plan-copy', { homeKommune: '1508', destination: { orgnr: '997005562' } })?.party.name).toBe(
    'Helse Møre og Romsdal HF'
  );
  expect(d.recipientFor('ip-plan-copy', { destination: { herId: '8110021' } })?.party.orgnr).toBe('942953119');
  expect(d.recipientFor('meldeplikt', { homeKommune: '9999' })).toBeUndefined();
  // the destination wins over the home kommune, and an unknown destination does not fall back to it
  expect(d.recipientFor('meldeplikt', { homeKommune: '1508', destination: { orgnr: '944305823' } })).toMatchObject({
    kommunenummer: '1506',
    target: { herId: '8110031' },
  });
  expect(d.recipientFor('meldeplikt', { homeKommune: '1508', destination: { orgnr: '974760673' } })).toBeUndefined();
  // a helseforetak as the receiving party of a plan copy: its ehr if it had one, here its KE
  expect(d.recipientFor('ip-plan-copy', { destination: { orgnr: '993467049' } })).toMatchObject({
    via: 'koordinerendeEnhet',
    kommunenummer: undefined,
  });
});

test('every problem of a malformed directory is named with its path', () => {
  const bad = clone();
  bad.kommuner[0].orgnr = '942953118';
  bad.kommuner[1].kommunenummer = '1508';
  bad.kommuner[2].koordinerendeEnhet.delivery = 'fax';
  delete bad.helseforetak[0].name;
  expect(directoryProblems(bad)).toEqual([
    'kommuner[0].orgnr: the check digit (9th digit) of the organisasjonsnummer is wrong',
    'kommuner[1].kommunenummer: 1508 appears twice',
    'kommuner[2].koordinerendeEnhet.delivery: must be "fhir-message" or "fhir-rest"',
    'helseforetak[0].name: required',
  ]);
  expect(directoryProblems([])).toEqual(['the directory must be a JSON object with "kommuner" and "helseforetak"']);
  expect(directoryProblems({ kommuner: {} })).toEqual(['kommuner: must be an array', 'helseforetak: must be an array']);
});

test('strict: unknown or misspelt fields, wrong types, bad URLs and shared orgnr or HER-id are refused', () => {
  const bad = clone();
  bad.kommuner[0].koordinerendeEnhet.requiresTokn = true;
  bad.kommuner[1].koordinerendeEnhet.requiresToken = 'yes';
  bad.kommuner[2].koordinerendeEnhet.endpoint = 'ftp://127.0.0.1/ke';
  bad.kommuner[3].orgnr = bad.kommuner[4].orgnr;
  bad.helseforetak[1].koordinerendeEnhet.herId = '8110021';
  bad.helseforetak[2].koordinerendeEnhet.herId = 8110099;
  bad.extra = 1;
  expect(directoryProblems(bad)).toEqual([
    'extra: unknown field (allowed: kommuner, helseforetak)',
    'kommuner[0].koordinerendeEnhet.requiresTokn: unknown field (allowed: herId, endpoint, fhirBase, ' +
      'delivery, maxTransactionEntries, requiresToken)',
    'kommuner[1].koordinerendeEnhet.requiresToken: must be true or false',
    'kommuner[2].koordinerendeEnhet.endpoint: must be an http(s) URL',
    'helseforetak[2].koordinerendeEnhet.herId: not a HER-id (1 to 9 digits, as a string)',
    'kommuner[4].orgnr: 964338132 is also kommuner[3].orgnr',
    'helseforetak[1].koordinerendeEnhet.herId: 8110021 is also kommuner[0].koordinerendeEnhet.herId',
  ]);
  expect(() => Directory.fromObject(bad)).toThrow(/^Invalid directory: extra: unknown field/);
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('reloads on change, keeps the last good version when the file breaks, survives replace-by-rename', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-dir-'));
  const file = join(dir, 'directory.json');
  const small = clone();
  small.kommuner = small.kommuner.filter((k: { kommunenummer: string }) => k.kommunenummer !== '1506');
  writeFileSync(file, JSON.stringify(small));
  const d = Directory.fromFile(file, { pollMs: 200 });
  const rejected: string[][] = [];
  let reloads = 0;
  d.on('rejected', (p: string[]) => rejected.push(p));
  d.on('reloaded', () => reloads++);
  try {
    expect(d.byKommunenummer('1506')).toBeUndefined();
    writeFileSync(file, '{ "kommuner": [ broken');
    await waitFor(() => rejected.length > 0);
    expect(rejected[0][0]).toMatch(/^not JSON/);
    expect(d.byKommunenummer('1508')?.name).toBe('Ålesund kommune'); // last good version kept
    const tmp = join(dir, 'directory.json.tmp');
    writeFileSync(tmp, JSON.stringify(DEMO));
    renameSync(tmp, file); // how editors and config tools replace a file
    await waitFor(() => d.byKommunenummer('1506') !== undefined);
    expect(reloads).toBeGreaterThanOrEqual(1);
  } finally {
    d.close();
  }
});

test('a file that parses but breaks a rule is rejected once, the last good version serves, and a fix is taken', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-dir-'));
  const file = join(dir, 'directory.json');
  writeFileSync(file, JSON.stringify(DEMO));
  const d = Directory.fromFile(file, { pollMs: 50 });
  const rejected: string[][] = [];
  const reloaded: DirectoryData[] = [];
  d.on('rejected', (p: string[]) => rejected.push(p));
  d.on('reloaded', (data: DirectoryData) => reloaded.push(data));
  try {
    const bad = clone();
    bad.kommuner[0].kommunenummer = '9901';
    bad.kommuner[1].orgnr = '944305824';
    writeFileSync(file, JSON.stringify(bad));
    await waitFor(() => rejected.length > 0);
    await new Promise((r) => setTimeout(r, 300)); // several polls of the same broken file
    expect(rejected).toEqual([
      [
        'kommuner[0].kommunenummer: a kommunenummer starts with a fylke number 01–56, got 99',
        'kommuner[1].orgnr: the check digit (9th digit) of the organisasjonsnummer is wrong',
      ],
    ]);
    expect(d.byKommunenummer('1508')?.orgnr).toBe('942953119');
    expect(d.recipientFor('meldeplikt', { homeKommune: '1506' })?.party.orgnr).toBe('944305823');
    const fixed = clone();
    fixed.kommuner.push({
      kommunenummer: '1112',
      name: 'Lund kommune',
      orgnr: '964965137',
      koordinerendeEnhet: {
        herId: '8110071',
        endpoint: 'http://127.0.0.1:4101/kommune/1112/ke',
        delivery: 'fhir-message',
      },
    });
    writeFileSync(file, JSON.stringify(fixed));
    await waitFor(() => reloaded.length > 0);
    expect(reloaded[0].kommuner).toHaveLength(6);
    expect(d.recipientFor('meldeplikt', { homeKommune: '1112' })?.target.herId).toBe('8110071'); // a router can now re-drive
  } finally {
    d.close();
  }
  // closed: no more watching
  let after = 0;
  d.on('reloaded', () => after++);
  writeFileSync(file, JSON.stringify(DEMO));
  await new Promise((r) => setTimeout(r, 200));
  expect(after).toBe(0);
});

test('a malformed file at start is refused with its problems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-dir-'));
  const file = join(dir, 'directory.json');
  writeFileSync(file, JSON.stringify({ kommuner: [{ kommunenummer: '15', name: 'x', orgnr: '1' }], helseforetak: [] }));
  expect(() => Directory.fromFile(file)).toThrow(/kommuner\[0\]\.orgnr: an organisasjonsnummer has exactly 9 digits/);
});
