import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The contract's worked messages are copied into test/fixtures/contract so the repo tests without
// ../shared. When the shared folder is beside the clone, the copies must not have drifted from it.
const fixtures = join(__dirname, '..', 'fixtures', 'contract');
const shared = join(__dirname, '..', '..', '..', 'shared', 'contract', 'examples');

describe('contract fixtures', () => {
  test('the five worked messages of the contract are present and are FHIR message bundles', () => {
    const files = readdirSync(fixtures)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual([
      'epikrise.json',
      'ip-plan-copy.json',
      'meldeplikt-svar.json',
      'meldeplikt.json',
      'receipt-ok.json',
    ]);
    for (const f of files) {
      const bundle = JSON.parse(readFileSync(join(fixtures, f), 'utf8'));
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('message');
      expect(bundle.entry[0].resource.resourceType).toBe('MessageHeader');
    }
  });

  const sharedPresent = existsSync(shared);
  (sharedPresent ? test : test.skip)('the copies equal the contract examples in ../shared', () => {
    for (const f of readdirSync(shared).filter((n) => n.endsWith('.json'))) {
      expect(readFileSync(join(fixtures, f), 'utf8')).toBe(readFileSync(join(shared, f), 'utf8'));
    }
  });
});
