import { validate } from '@ipbro/validation';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/processes';

// scripts/fhir-artefacts.js writes what the HL7 validator is run on (README). Here: it writes every
// kind, each a FHIR resource our own validator accepts, and none carries an urn:oid that is no OID.
jest.setTimeout(60_000);
const dir = mkdtempSync(join(tmpdir(), 'ipbro-artefacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OWN_NOTICES = ['delivered/revision-reminder-to-alesund-ke.json', 'delivered/plan-replaced-notice-to-molde.json'];

test('the artefacts script writes each kind of artefact; all are valid, none with the former urn:oid systems', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'fhir-artefacts.js'), dir]);
  expect(stdout).toMatch(/^\d+ FHIR artefacts in /);
  expect(readdirSync(dir).sort()).toEqual(['contract', 'courier', 'delivered', 'map', 'simulators']);
  const files = readdirSync(dir).flatMap((folder) => readdirSync(join(dir, folder)).map((f) => join(folder, f)));
  expect(files).toEqual(
    expect.arrayContaining([
      'contract/meldeplikt-svar.json',
      'map/ip-plan-copy.mapped.json',
      'simulators/hospital-koordinator-handover.json',
      'simulators/kommune-ip-plan-copy-to-molde.json',
      'simulators/kommune-receipt-ok.json',
      'simulators/kommune-meldeplikt-svar-completed.json',
      'simulators/kommune-meldeplikt-svar-rejected.json',
      'delivered/meldeplikt-svar-to-hospital.json',
      'delivered/plan-replaced-notice-to-molde.json',
      'delivered/sender-receipt-ok.json',
      'delivered/sender-receipt-fatal-error.json',
      'delivered/sender-receipt-transient-error.json',
      'courier/ip-plan-copy.transaction.json',
      'courier/ip-plan-copy.transaction-2-of-2.json',
      'courier/epikrise.transaction.json',
    ])
  );
  // The courier writes the plan as people read it: the narrative, and the PDF as a DocumentReference.
  const written = JSON.parse(readFileSync(join(dir, 'courier', 'ip-plan-copy.transaction.json'), 'utf8')) as {
    entry: { resource: { resourceType: string; text?: { status: string } } }[];
  };
  const types = written.entry.map((e) => e.resource.resourceType);
  expect(types).toEqual(expect.arrayContaining(['CarePlan', 'DocumentReference']));
  expect(written.entry.find((e) => e.resource.resourceType === 'CarePlan')?.resource.text?.status).toBe('generated');
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    expect({ file, notOids: text.match(/"urn:oid:[0-9.]*[^0-9."][^"]*"/g) ?? [] }).toEqual({ file, notOids: [] });
    const resource = JSON.parse(text) as { resourceType: string; timestamp?: string };
    expect(resource.resourceType).toBe('Bundle');
    // A later part of a cut transaction references what earlier parts wrote, which only the server
    // holds: the law's rules cannot see the plan whole there (the uncut transaction is checked).
    if (/\.transaction-\d+-of-\d+\.json$/.test(file)) continue;
    // IP-bro's own reminder and replaced-plan notice (a SUBSETTED copy saying only the plan's status)
    // are no messages anyone may send to the gateway, which these rules are for; the HL7 validator checks them.
    if (OWN_NOTICES.includes(file)) continue;
    // The rules' moment: when the message was sent, or the day the seeded plans are lawful on.
    const now = new Date(resource.timestamp ?? '2026-11-24T12:00:00+01:00');
    const errors = (validate(resource, { now }).issue ?? []).filter(
      (i) => i.severity === 'error' || i.severity === 'fatal'
    );
    expect({ file, errors }).toEqual({ file, errors: [] });
  }
});
