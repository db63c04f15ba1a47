import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATED_DIR } from './index';

// profiles/generated is committed; it must be exactly what SUSHI makes of fsh/ today.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require('../scripts/generate.js') as { generate: (out: string) => string };

test('profiles/generated matches the FSH sources (else: npm run generate -w profiles)', () => {
  const out = mkdtempSync(join(tmpdir(), 'ipbro-profiles-'));
  try {
    generate(out);
    const fresh = readdirSync(out).sort();
    expect(readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(fresh);
    for (const file of fresh) {
      expect({ file, content: readFileSync(join(GENERATED_DIR, file), 'utf8') }).toEqual({ file, content: readFileSync(join(out, file), 'utf8') });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120000);
