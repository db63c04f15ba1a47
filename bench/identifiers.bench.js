// Identifier checks and message reading on one core: the per-message fixed costs of the gateway
// (every fødselsnummer, orgnr and the MessageHeader view are read for each inbound message).
const fs = require('node:fs');
const path = require('node:path');
const {
  checkPersonNumber,
  checkOrganisasjonsnummer,
  makeSyntheticFodselsnummer,
  ageOn,
} = require('../packages/identifiers/dist');
const { readMessage } = require('../packages/fhir-message/dist');

function rate(fn, items, seconds) {
  let n = 0;
  let sink = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  while (Date.now() < end) {
    for (let i = 0; i < 1000; i++) {
      if (fn(items[n % items.length])) sink++;
      n++;
    }
  }
  const perSecond = n / (Number(process.hrtime.bigint() - started) / 1e9);
  if (sink < 0) console.log(sink); // keeps the calls from being optimised away
  return perSecond;
}

module.exports = {
  name: 'identifiers',
  async run({ quick }) {
    const seconds = quick ? 1 : 3;
    const numbers = Array.from({ length: 1000 }, (_, i) =>
      makeSyntheticFodselsnummer(
        new Date(Date.UTC(1930, 0, 1) + i * 26 * 86400000).toISOString().slice(0, 10),
        (i * 37) % 1000
      )
    );
    const orgnrs = ['997005562', '942953119', '993467049', '883974832', '983974724'];
    const dir = path.join(__dirname, '..', 'test', 'fixtures', 'contract');
    const bundles = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    rate((n) => checkPersonNumber(n).ok, numbers, 0.3); // warm up
    rate((b) => readMessage(b).event, bundles, 0.3);
    return [
      { metric: 'checkPersonNumber', value: rate((n) => checkPersonNumber(n).ok, numbers, seconds), unit: 'numbers/s' },
      {
        metric: 'checkOrganisasjonsnummer',
        value: rate((n) => checkOrganisasjonsnummer(n).ok, orgnrs, seconds),
        unit: 'numbers/s',
      },
      {
        metric: 'ageOn (instant, Oslo date)',
        value: rate((d) => ageOn('2005-03-12', d) > 0, [new Date('2026-11-21T09:00:00Z')], seconds),
        unit: 'calls/s',
      },
      {
        metric: 'readMessage (contract examples)',
        value: rate((b) => readMessage(b).event, bundles, seconds),
        unit: 'messages/s',
      },
    ];
  },
};
