#!/usr/bin/env node
// Writes the FHIR artefacts IP-bro and its simulators emit, and the contract's examples, into one
// folder, so that a standard validator can read them all (after `npm run build`):
//   node scripts/fhir-artefacts.js [DIR]        (default .fhir-artefacts)
//   ../shared/tools/hl7-validator/check.sh DIR
// contract/   the contract's worked messages (test/fixtures/contract)
// map/        `ipbro map` of the IP document that `ipbro unmap` reads from the contract's plan copy,
//             and of seeded generated plans
// simulators/ what the simulated hospital sends (meldeplikt, epikrise to an organisation, handover),
//             a plan copy addressed as the demo addresses it, the kommune's receipts and its
//             meldeplikt-svar (completed and rejected)
// delivered/  messages as IP-bro delivers them (destination filled in): to a koordinerende enhet, the
//             meldeplikt-svar back to the hospital; its own revision reminder, the notice that a plan
//             was replaced, and the receipts it pushes to senders (ok, fatal-error, transient-error)
// courier/    the transaction Bundles the courier writes to a FHIR server (fhir-rest), the plan
//             rendered in (narrative and DocumentReference with the PDF): in one transaction, and cut
//             to 8 entries as a Medplum FhirRouter server takes them (when longer)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(root, '.fhir-artefacts'));
const need = (file) => {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run npm run build first`);
  return require(file);
};
const { withDestination } = need(path.join(root, 'packages', 'http-client', 'dist', 'index.js'));
const { reminderMessage, replacedPlanNotice } = need(
  path.join(root, 'packages', 'document-delivery', 'dist', 'index.js')
);
const { buildSenderReceipt } = need(path.join(root, 'packages', 'delivery-step', 'dist', 'index.js'));
const { readMessage } = need(path.join(root, 'packages', 'fhir-message', 'dist', 'index.js'));
const { withPlanDocument } = need(path.join(root, 'packages', 'plan-document', 'dist', 'index.js'));
const { planTransactions, transactionBundle } = need(
  path.join(root, 'packages', 'fhir-rest-delivery', 'dist', 'index.js')
);
const peers = need(path.join(root, 'packages', 'simulated-peers', 'dist', 'index.js'));
const { buildDocument, buildHandover, buildMeldeplikt, meldepliktSvarFor, receiptFor } = peers;
const { createPlanMapping } = need(path.join(root, 'services', 'plan-mapper', 'dist', 'plan-mapping.js'));
const { generateIpDocument } = need(
  path.join(root, 'packages', 'ip-model', 'dist', 'test-support', 'ip-document-generator.js')
);

const FIXTURES = path.join(root, 'test', 'fixtures', 'contract');
const example = (name) => JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
const directory = JSON.parse(fs.readFileSync(path.join(root, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
const party = (orgnr) => [...directory.kommuner, ...directory.helseforetak].find((p) => p.orgnr === orgnr);
const ORG = { alesund: '942953119', molde: '944305823', hmr: '997005562' };
// The demo's addresses (npm start): the hospital takes receipts at its simulator, sends through the gateway.
const HOSPITAL_RECEIPTS = 'http://127.0.0.1:4102/fhir';
const GATEWAY = 'http://127.0.0.1:8080/fhir';

let written = 0;
function write(folder, name, resource) {
  fs.mkdirSync(path.join(out, folder), { recursive: true });
  fs.writeFileSync(path.join(out, folder, `${name}.json`), `${JSON.stringify(resource, null, 2)}\n`);
  written++;
}

function contract() {
  for (const file of fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    write('contract', file.slice(0, -'.json'.length), example(file.slice(0, -'.json'.length)));
  }
}

function mapped() {
  // The moment of the rules: when the plan copy was sent (its consents are active then).
  const planCopy = example('ip-plan-copy');
  const mapping = createPlanMapping(() => new Date(planCopy.timestamp));
  write('map', 'ip-plan-copy.mapped', mapping.toFhir(mapping.fromFhir(planCopy)));
  // Seeded plans with what the example lacks (representatives, denials, relatives …), lawful on that day.
  const generated = createPlanMapping(() => new Date('2026-11-24T12:00:00+01:00'));
  for (let n = 0; n < 6; n++) write('map', `generated-plan-${n}.mapped`, generated.toFhir(generateIpDocument(n)));
}

function simulators() {
  write('simulators', 'hospital-meldeplikt', buildMeldeplikt(example('meldeplikt'), undefined, HOSPITAL_RECEIPTS));
  const toMolde = buildDocument(example('epikrise'), { orgnr: ORG.molde, via: GATEWAY }, HOSPITAL_RECEIPTS);
  write('simulators', 'hospital-epikrise-to-molde', toMolde);
  write(
    'simulators',
    'hospital-koordinator-handover',
    buildDocument(buildHandover(example('ip-plan-copy')), undefined, HOSPITAL_RECEIPTS)
  );
  const molde = party(ORG.molde);
  const planToMolde = buildDocument(example('ip-plan-copy'), {
    orgnr: ORG.molde,
    via: molde.koordinerendeEnhet.endpoint,
  });
  write('simulators', 'kommune-ip-plan-copy-to-molde', planToMolde);
  const meldepliktId = example('meldeplikt').entry[0].resource.id;
  for (const code of ['ok', 'transient-error', 'fatal-error']) {
    write('simulators', `kommune-receipt-${code}`, receiptFor(meldepliktId, code, '1508', ORG.alesund));
  }
  const meldeplikt = buildMeldeplikt(example('meldeplikt'), undefined, HOSPITAL_RECEIPTS);
  for (const status of ['completed', 'rejected']) {
    write('simulators', `kommune-meldeplikt-svar-${status}`, meldepliktSvarFor(meldeplikt, svarFrom(status)));
  }
  const handoverId = 'd7c1a7e2-1b1c-4e57-9d55-2c1f3b0a9e10';
  write(
    'simulators',
    'kommune-receipt-ok-handover',
    receiptFor(handoverId, 'ok', '1508', ORG.alesund, 'koordinator-handover')
  );
}

const svarFrom = (status) => ({ kommune: '1508', orgnr: ORG.alesund, status });

function delivered() {
  const alesund = party(ORG.alesund);
  const ke = { endpoint: alesund.koordinerendeEnhet.endpoint, name: alesund.name, orgnr: alesund.orgnr };
  write('delivered', 'meldeplikt-to-alesund-ke', withDestination(example('meldeplikt'), ke));
  const hmr = party(ORG.hmr);
  const hospital = { endpoint: HOSPITAL_RECEIPTS, name: hmr.name, orgnr: hmr.orgnr };
  const svar = meldepliktSvarFor(buildMeldeplikt(example('meldeplikt'), undefined, HOSPITAL_RECEIPTS), svarFrom());
  write('delivered', 'meldeplikt-svar-to-hospital', withDestination(svar, hospital));
  replacedNotice(ke);
  senderReceipts();
  write('delivered', 'koordinator-handover-to-alesund-ke', withDestination(buildHandover(example('ip-plan-copy')), ke));
  const plan = 'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042';
  const reminder = reminderMessage(
    { patientKey: 'k', plan, nextRevision: '2027-05-21' },
    ke,
    new Date('2027-05-22T08:00:00Z')
  );
  write('delivered', 'revision-reminder-to-alesund-ke', reminder);
}

/** The notice to a plan's old owner that a new plan replaced it (an ip-plan-copy, status revoked). */
function replacedNotice(to) {
  const copy = example('ip-plan-copy');
  const entry = {
    plan: 'http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0099',
    owner: ORG.alesund,
    version: copy.timestamp,
    replaced: { plan: 'http://ipbro.no/fhir/sid/org/944305823/ip|IP-2025-0007', owner: ORG.molde },
  };
  write('delivered', 'plan-replaced-notice-to-molde', replacedPlanNotice(readMessage(copy), entry, to));
}

/** The receipts IP-bro pushes to a sender: the recipient's ok, its refusal, and a transient unroutable. */
function senderReceipts() {
  const meldeplikt = example('meldeplikt');
  const header = meldeplikt.entry[0].resource;
  const at = meldeplikt.timestamp;
  const alesund = party(ORG.alesund);
  const record = {
    key: `${ORG.hmr}:${header.id}`,
    id: header.id,
    sender: ORG.hmr,
    event: 'meldeplikt',
    state: 'acknowledged',
    attempts: 1,
    createdAt: at,
    updatedAt: at,
    recipient: { kind: 'koordinerende-enhet', orgnr: alesund.orgnr, name: alesund.name, kommunenummer: '1508' },
    receipt: { code: 'fatal-error', at, detail: 'E35 pasienten er ukjent hos mottaker' },
    history: [
      { at, state: 'queued' },
      { at, state: 'unroutable', detail: 'the directory knows no kommune 1508' },
    ],
  };
  const when = new Date(at);
  const states = { ok: 'acknowledged', 'fatal-error': 'rejected', 'transient-error': 'unroutable' };
  for (const [code, state] of Object.entries(states)) {
    write('delivered', `sender-receipt-${code}`, buildSenderReceipt(record, state, HOSPITAL_RECEIPTS, undefined, when));
  }
}

/** The courier's transactions for one message: one, and cut to `max` entries (earlier ones' resources by the server's ids). */
function courier(name, message, max) {
  write(
    'courier',
    `${name}.transaction`,
    transactionBundle(planTransactions(message, Number.MAX_SAFE_INTEGER).batches[0], new Map())
  );
  const { batches } = planTransactions(message, max);
  if (batches.length < 2) return;
  const serverIds = new Map();
  batches.forEach((batch, i) => {
    write('courier', `${name}.transaction-${i + 1}-of-${batches.length}`, transactionBundle(batch, serverIds));
    for (const e of batch) serverIds.set(e.fullUrl, `${e.resource.resourceType}/written-${serverIds.size + 1}`);
  });
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  contract();
  mapped();
  simulators();
  delivered();
  courier('ip-plan-copy', await withPlanDocument(example('ip-plan-copy'), 'ip-plan-copy'), 8);
  courier('epikrise', example('epikrise'), 8);
  console.log(`${written} FHIR artefacts in ${path.relative(process.cwd(), out) || '.'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
