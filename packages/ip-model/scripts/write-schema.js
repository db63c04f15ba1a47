#!/usr/bin/env node
// `npm run schema -w packages/ip-model`: regenerates the IP document's JSON Schema from its TypeScript type.
const fs = require('node:fs');
const { buildIpDocumentSchema, serialize, SCHEMA_FILES } = require('./ip-document-schema');

const text = serialize(buildIpDocumentSchema());
for (const file of SCHEMA_FILES) {
  fs.writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
