import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directory, directoryProblems } from './index';

const DEMO = JSON.parse(readFileSync(join(__dirname, '..', 'demo-directory.json'), 'utf8'));
const clone = () => JSON.parse(JSON.stringify(DEMO));

test('the demo directory is valid and answers by kommunenummer, orgnr and HER-id', () => {
  const d = Directory.fromObject(DEMO);
  expect(d.byKommunenummer('1508')?.name).toBe('Ålesund kommune');
  expect(d.byOrgnr('997005562')?.name).toBe('Helse Møre og Romsdal HF');
  expect(d.byHerId('8110021')?.orgnr).toBe('942953119');
  expect(d.byKommunenummer('9999')).toBeUndefined();
});

test('routing follows the contract table; an explicit destination wins', () => {
  const d = Directory.fromObject(DEMO);
  expect(d.recipientFor('meldeplikt', { homeKommune: '1508' })).toMatchObject({ kommunenummer: '1508', via: 'koordinerendeEnhet', target: { delivery: 'fhir-message' } });
  expect(d.recipientFor('koordinator-handover', { homeKommune: '1508' })?.via).toBe('koordinerendeEnhet');
  expect(d.recipientFor('epikrise', { homeKommune: '1508' })).toMatchObject({ via: 'ehr', target: { delivery: 'fhir-rest', maxTransactionEntries: 8 } });
  expect(d.recipientFor('epikrise', { homeKommune: '1506' })?.via).toBe('koordinerendeEnhet'); // no ehr: its KE
  expect(d.recipientFor('ip-plan-copy', { homeKommune: '1508', destination: { orgnr: '997005562' } })?.party.name).toBe('Helse Møre og Romsdal HF');
  expect(d.recipientFor('ip-plan-copy', { destination: { herId: '8110021' } })?.party.orgnr).toBe('942953119');
  expect(d.recipientFor('meldeplikt', { homeKommune: '9999' })).toBeUndefined();
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

test('a malformed file at start is refused with its problems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-dir-'));
  const file = join(dir, 'directory.json');
  writeFileSync(file, JSON.stringify({ kommuner: [{ kommunenummer: '15', name: 'x', orgnr: '1' }], helseforetak: [] }));
  expect(() => Directory.fromFile(file)).toThrow(/kommuner\[0\]\.orgnr: an organisasjonsnummer has exactly 9 digits/);
});
