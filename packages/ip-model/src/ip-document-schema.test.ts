import { readFileSync } from 'node:fs';
import { IP_DOCUMENT_SCHEMA } from './index';

// The schema is derived from ip-document.ts; the committed copies must be what the type gives today.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildIpDocumentSchema, serialize, SCHEMA_FILES } = require('../scripts/ip-document-schema.js') as {
  buildIpDocumentSchema: () => Record<string, unknown>;
  serialize: (schema: unknown) => string;
  SCHEMA_FILES: string[];
};

test(
  'src/ip-document.schema.json and profiles/ip-document.schema.json are what ip-document.ts gives ' +
    '(else: npm run schema -w packages/ip-model)',
  () => {
    const expected = serialize(buildIpDocumentSchema());
    for (const file of SCHEMA_FILES)
      expect({ file, text: readFileSync(file, 'utf8') }).toEqual({ file, text: expected });
    expect(IP_DOCUMENT_SCHEMA).toEqual(JSON.parse(expected));
  }
);

test('the schema names every content item of § 19 at the top level', () => {
  const top = (
    IP_DOCUMENT_SCHEMA.definitions as Record<string, { properties: Record<string, unknown>; required: string[] }>
  ).IpDocument;
  expect(Object.keys(top.properties)).toEqual(
    expect.arrayContaining([
      'plan',
      'person',
      'culturalConsiderations',
      'goals',
      'resourcesAndNeeds',
      'participants',
      'contributions',
      'measures',
      'howCarriedOut',
      'period',
      'reviews',
      'consents',
      'cooperation',
    ])
  );
  expect(top.required).toEqual([
    'plan',
    'person',
    'goals',
    'resourcesAndNeeds',
    'participants',
    'careTeam',
    'contributions',
    'measures',
    'period',
    'reviews',
    'consents',
    'cooperation',
  ]);
});
