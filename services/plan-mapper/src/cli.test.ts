import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdfText, readPdf } from '@ipbro/plan-document/src/test-support/pdf-text';
import { runCli } from './cli';

// The built bin, run as a process: what `npx ipbro` runs.
// The installed command: the bin shim, which runs dist/cli.js.
const BIN = join(__dirname, '..', 'bin', 'ipbro.js');
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
// The contract examples are dated for November 2026 – 2027; the rules are checked as of then.
const NOW = '--now=2026-11-24T12:00:00+01:00';
const dir = mkdtempSync(join(tmpdir(), 'ipbro-cli-'));

/** Runs the bin; async so that independent runs overlap (each loads the FHIR definitions anew). `bytes`: stdout as written. */
function ipbro(
  args: string[],
  input?: string
): Promise<{ code: number | null; stdout: string; stderr: string; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr, bytes: Buffer.concat(out) })
    );
    child.stdin.end(input ?? '');
  });
}
/** In-process, for the variants: the definitions are loaded once for the worker. */
function inProcess(args: string[], now = '2026-11-24T12:00:00+01:00') {
  let stdout = '';
  let stderr = '';
  const code = runCli(
    args,
    (s) => (stdout += s),
    (s) => (stderr += s),
    () => new Date(now)
  );
  return { code, stdout, stderr };
}
jest.setTimeout(90_000); // a loaded CI machine: each process reads the FHIR definitions
const fixture = (name: string) => join(FIXTURES, name);
const errorsOf = (stdout: string) =>
  (JSON.parse(stdout) as { issue: { severity: string; diagnostics?: string }[] }).issue.filter(
    (i) => i.severity === 'error' || i.severity === 'fatal'
  );

test('validate every contract example as a process: an OperationOutcome without errors, exit 0', async () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  expect(names).toEqual(
    expect.arrayContaining([
      'meldeplikt.json',
      'meldeplikt-svar.json',
      'ip-plan-copy.json',
      'epikrise.json',
      'receipt-ok.json',
    ])
  );
  const runs = await Promise.all(names.map((name) => ipbro(['validate', NOW, fixture(name)])));
  runs.forEach((r, i) => {
    expect({ name: names[i], code: r.code, stderr: r.stderr }).toEqual({ name: names[i], code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).resourceType).toBe('OperationOutcome');
    expect(errorsOf(r.stdout)).toEqual([]);
  });
});

test('unmap then map as processes, through files: the example plan copy comes back with every plan resource', async () => {
  const unmapped = await ipbro(['unmap', NOW, fixture('ip-plan-copy.json')]);
  expect(unmapped.code).toBe(0);
  const doc = JSON.parse(unmapped.stdout) as { plan: { id: string } };
  expect(doc.plan.id).toBe('IP-2026-0042');
  const docFile = join(dir, 'plan.json');
  writeFileSync(docFile, unmapped.stdout);
  const mapped = await ipbro(['map', NOW, docFile]);
  expect(mapped.code).toBe(0);
  const bundle = JSON.parse(mapped.stdout) as {
    entry: { fullUrl: string; resource: { resourceType: string; identifier?: { value: string }[] } }[];
  };
  expect(bundle.entry[0].resource.identifier?.[0].value).toBe('IP-2026-0042');
  const original = JSON.parse(readFileSync(fixture('ip-plan-copy.json'), 'utf8')) as { entry: { fullUrl: string }[] };
  expect(new Set(bundle.entry.map((e) => e.fullUrl))).toEqual(new Set(original.entry.slice(1).map((e) => e.fullUrl)));
});

test('as a process: exit 1 with the outcome on stdout for a breach; stdin for -', async () => {
  const broken = JSON.parse(readFileSync(fixture('meldeplikt.json'), 'utf8'));
  broken.entry[0].resource.eventCoding.code = 'hastemelding';
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify(broken));
  const [r, fromStdin] = await Promise.all([
    ipbro(['validate', NOW, file]),
    ipbro(['validate', NOW, '-'], JSON.stringify(broken)),
  ]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
  expect(
    errorsOf(r.stdout)
      .map((i) => i.diagnostics)
      .join(' ')
  ).toContain('Unknown event');
  expect(fromStdin).toEqual(r);
});

test('exit 1 for every operation whose outcome holds an error', () => {
  // The plan copy checked years after its consent ran out.
  const late = inProcess(['validate', fixture('ip-plan-copy.json')], '2030-01-01T00:00:00Z');
  expect(late.code).toBe(1);
  expect(
    errorsOf(late.stdout)
      .map((i) => i.diagnostics)
      .join(' ')
  ).toContain('No active consent');
  expect(inProcess(['validate', '--now=2030-01-01T00:00:00Z', fixture('ip-plan-copy.json')]).code).toBe(1);
  // map of a document that breaks its schema; unmap of something that is not a Bundle.
  const notADoc = join(dir, 'not-a-doc.json');
  writeFileSync(notADoc, '{"plan":{}}');
  const map = inProcess(['map', notADoc]);
  expect(map.code).toBe(1);
  expect(errorsOf(map.stdout).length).toBeGreaterThan(0);
  const unmap = inProcess(['unmap', notADoc]);
  expect(unmap.code).toBe(1);
  expect(errorsOf(unmap.stdout)[0].diagnostics).toBe(
    'Expected a FHIR Bundle holding an individuell plan, got an object without a resourceType'
  );
  expect(inProcess(['validate', fixture('ip-plan-copy.json')]).code).toBe(0);
});

test(
  'as a process: exit 2 when the input cannot be read or parsed, and on wrong usage (the reason ' +
    'on stderr, nothing on stdout)',
  async () => {
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, '{not json');
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, '{"resourceType":"Patient","__proto__":{"x":1}}');
    const cases: [string[], string][] = [
      [['validate', garbage], 'cannot read'],
      [['validate', proto], 'cannot read'],
      [['unmap', join(dir, 'missing.json')], 'cannot read'],
      [['map', dir], 'cannot read'],
      [['frobnicate', garbage], 'usage: ipbro'],
      [['map'], 'usage: ipbro'],
      [[], 'usage: ipbro'],
      [['validate', 'a.json', 'b.json'], 'usage: ipbro'],
      [['validate', '--now=2026-11-24', fixture('receipt-ok.json')], '--now needs a date-time with a zone'],
      [['validate', '--verbose', fixture('receipt-ok.json')], 'unknown option --verbose'],
    ];
    const runs = await Promise.all(cases.map(([args]) => ipbro(args)));
    runs.forEach((r, i) => {
      const [args, said] = cases[i];
      expect({ args, code: r.code, stdout: r.stdout, said: r.stderr.includes(said) }).toEqual({
        args,
        code: 2,
        stdout: '',
        said: true,
      });
    });
  }
);

const SECTION_HEADINGS = [
  'a) Mål, ressurser og behov',
  'b) Deltakere',
  'c) Koordinator',
  'd) Bidrag',
  'e) Tiltak med omfang og ansvar',
  'f) Gjennomføring',
  'g) Planperiode og revisjon',
  'h) Samtykke og hvem som får innsyn',
  'i) Samarbeid',
];

test(
  "ipbro render as a process on the contract's plan copy: a PDF whose extracted text has § 19 " +
    'a–i, the person, the koordinator',
  async () => {
    const out = join(dir, 'plan.pdf');
    const r = await ipbro(['render', fixture('ip-plan-copy.json'), '--out', out]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    const text = pdfText(readPdf(readFileSync(out)));
    const at = SECTION_HEADINGS.map((h) => text.indexOf(h));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toContain('Ola Nordmann');
    expect(text).toContain('12830551210');
    expect(text.slice(at[2], at[3])).toMatch(/Koordinator\s+Per Hansen/);
  }
);

test(
  'ipbro render: PDF to stdout by default, HTML with --format html or an OUT ending in .html; ' +
    'the IP document itself renders too',
  async () => {
    const htmlOut = join(dir, 'plan.html');
    const docFile = join(dir, 'render-doc.json');
    writeFileSync(docFile, inProcess(['unmap', fixture('ip-plan-copy.json')]).stdout);
    const [pdf, html, byName, fromDoc] = await Promise.all([
      ipbro(['render', fixture('ip-plan-copy.json')]),
      ipbro(['render', '--format=html', fixture('ip-plan-copy.json')]),
      ipbro(['render', '--out', htmlOut, '-'], readFileSync(fixture('ip-plan-copy.json'), 'utf8')),
      ipbro(['render', '--format', 'html', '--now=2026-11-24T12:00:00+01:00', docFile]),
    ]);
    expect(pdf.code).toBe(0);
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfText(readPdf(pdf.bytes))).toContain('IP-2026-0042');
    expect(html.code).toBe(0);
    expect(html.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.stdout).toContain('<h2>c) Koordinator</h2>');
    expect(byName.code).toBe(0);
    expect(readFileSync(htmlOut, 'utf8')).toBe(html.stdout);
    expect(fromDoc.code).toBe(0);
    expect(fromDoc.stdout).toContain('<td>Utskrift av planen</td>');
    expect(fromDoc.stdout).toContain('<td>24.11.2026 kl. 12.00</td>');
  }
);

test(
  'ipbro render: exit 1 with the outcome when the input holds no plan; 2 for a wrong format, ' +
    'an unwritable OUT, its options elsewhere',
  async () => {
    const [noPlan, format, unwritable, elsewhere] = await Promise.all([
      ipbro(['render', fixture('meldeplikt.json')]),
      ipbro(['render', '--format', 'docx', fixture('ip-plan-copy.json')]),
      ipbro(['render', '--out', join(dir, 'no-such-dir', 'plan.pdf'), fixture('ip-plan-copy.json')]),
      ipbro(['validate', '--out', join(dir, 'x.json'), fixture('ip-plan-copy.json')]),
    ]);
    expect({ code: noPlan.code, stderr: noPlan.stderr }).toEqual({ code: 1, stderr: '' });
    expect(errorsOf(noPlan.stdout)[0].diagnostics).toContain('The bundle holds no individuell plan');
    type Run = { code: number | null; stdout: string; stderr: string };
    const usage = (r: Run, said: string) => ({ code: r.code, stdout: r.stdout, said: r.stderr.includes(said) });
    expect(usage(format, '--format is pdf or html, got "docx"')).toEqual({ code: 2, stdout: '', said: true });
    expect(usage(unwritable, 'cannot write')).toEqual({ code: 2, stdout: '', said: true });
    expect(usage(elsewhere, '--format and --out are options of render')).toEqual({ code: 2, stdout: '', said: true });
  }
);
