// Derives the IP document's JSON Schema from the TypeScript type (src/ip-document.ts) with
// ts-json-schema-generator. Shared by `npm run schema` (writes it) and the drift test (compares it).
const path = require('node:path');
const { createGenerator } = require('ts-json-schema-generator');

const ROOT = path.join(__dirname, '..');
/** Where the schema is kept: beside the source (for validateIpDocument) and published in profiles/. */
const SCHEMA_FILES = [
  path.join(ROOT, 'src', 'ip-document.schema.json'),
  path.join(ROOT, '..', '..', 'profiles', 'ip-document.schema.json'),
];

function buildIpDocumentSchema() {
  const generated = createGenerator({
    path: path.join(ROOT, 'src', 'ip-document.ts'),
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    type: 'IpDocument',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    skipTypeCheck: true,
    sortProps: false,
  }).createSchema('IpDocument');
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: 'http://ipbro.no/fhir/ip-document.schema.json',
    title: 'IP-bro individuell plan document',
    description:
      'Every content item of forskrift om habilitering og rehabilitering, individuell plan og koordinator ' +
      '§ 19 a–i. Generated from packages/ip-model/src/ip-document.ts; FHIR mapping: docs/fhir-mapping.md.',
    ...rest,
  };
}

const serialize = (schema) => JSON.stringify(schema, null, 2) + '\n';

module.exports = { buildIpDocumentSchema, serialize, SCHEMA_FILES };
