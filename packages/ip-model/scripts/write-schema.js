#!/usr/bin/env node
// Publishes the IP document's JSON Schema as profiles/ip-document.schema.json (run after build).
const fs = require('node:fs');
const path = require('node:path');
const { IP_DOCUMENT_SCHEMA } = require('../dist/ip-document.schema');
const out = path.join(__dirname, '..', '..', '..', 'profiles', 'ip-document.schema.json');
fs.writeFileSync(out, JSON.stringify(IP_DOCUMENT_SCHEMA, null, 2) + '\n');
console.log(`wrote ${out}`);
