import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_DIR } from './conformance-resources';

// profiles/generated is committed (the build must not need SUSHI); it must be exactly what SUSHI
// makes of fsh/ today. Runs the real generation (offline, with snapshots) into a temp dir: ~5-10 s.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require('../scripts/generate.js') as { generate: (out: string) => string };

const jsonFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

test('profiles/generated matches the FSH sources', () => {
  const out = mkdtempSync(join(tmpdir(), 'ipbro-profiles-'));
  try {
    generate(out);
    const fresh = jsonFiles(out);
    const committed = jsonFiles(GENERATED_DIR);
    const drift = [
      ...fresh.filter((f) => !committed.includes(f)).map((f) => `missing ${f}`),
      ...committed.filter((f) => !fresh.includes(f)).map((f) => `stale ${f}`),
      ...fresh
        .filter(
          (f) =>
            committed.includes(f) && readFileSync(join(out, f), 'utf8') !== readFileSync(join(GENERATED_DIR, f), 'utf8')
        )
        .map((f) => `differs ${f}`),
    ];
    if (drift.length > 0)
      throw new Error(
        `profiles/generated is out of date with profiles/fsh (${drift.join(', ')}): run npm run generate -w profiles`
      );
    expect(fresh.length).toBeGreaterThan(0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 90000); // typically 5-10 s; generous for a loaded CI machine
