// The HTTP kit's own cost on one core: reading a large FHIR body (depth scan + JSON.parse with the
// prototype-key reviver) against plain JSON.parse, and small requests through the whole kit
// (request id, log, metrics, body parsing, error handler) against a bare node:http server.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Writable } = require('node:stream');
const { createLogger, createServiceApp, jsonDepthExceeds, parseJsonSafely } = require('../packages/service-kit/dist');
const { loadLoop } = require('./support');

function mbPerSecond(fn, text, seconds) {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  while (Date.now() < end) {
    fn(text);
    n++;
  }
  return (n * Buffer.byteLength(text)) / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
}

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))
  );
}

module.exports = {
  name: 'service-kit',
  async run({ quick }) {
    const seconds = quick ? 1.5 : 5;
    // An epikrise carrying a 10 MB PDF (base64 inline), as the contract allows.
    const epikrise = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'contract', 'epikrise.json'), 'utf8')
    );
    const docRef = epikrise.entry.find((e) => e.resource.resourceType === 'DocumentReference').resource;
    docRef.content[0].attachment.data = Buffer.alloc(10 * 1024 * 1024, 7).toString('base64');
    const big = JSON.stringify(epikrise);
    const kitParse = mbPerSecond((t) => !jsonDepthExceeds(t, 64) && parseJsonSafely(t), big, seconds);
    const plainParse = mbPerSecond((t) => JSON.parse(t), big, seconds);

    const quiet = createLogger('bench', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const kit = createServiceApp({ name: 'bench', logger: quiet });
    kit.app.post('/echo', (req, res) => res.status(200).json({ type: req.body.resourceType }));
    const kitServer = http.createServer(kit.finish());
    const bare = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ type: body.resourceType }));
      });
    });
    const small = fs.readFileSync(
      path.join(__dirname, '..', 'test', 'fixtures', 'contract', 'receipt-ok.json'),
      'utf8'
    );
    const kitUrl = await listen(kitServer);
    const bareUrl = await listen(bare);
    const viaKit = await loadLoop(`${kitUrl}/echo`, () => small, { seconds, concurrency: 16 });
    const viaBare = await loadLoop(`${bareUrl}/echo`, () => small, { seconds, concurrency: 16 });
    kitServer.close();
    bare.close();
    if (!viaKit.statuses[200] || Object.keys(viaKit.statuses).length !== 1)
      throw new Error(`kit answered ${JSON.stringify(viaKit.statuses)}`);
    return [
      {
        metric: 'large body read (10 MB epikrise): depth scan + safe parse',
        value: Math.round(kitParse),
        unit: 'MB/s',
        anchor: 'JSON.parse alone',
        anchorValue: Math.round(plainParse),
      },
      {
        metric: 'small FHIR POST through the kit (id, log, metrics, body, errors)',
        value: Math.round(viaKit.rate),
        unit: 'req/s',
        anchor: 'bare node:http + JSON.parse',
        anchorValue: Math.round(viaBare.rate),
      },
    ];
  },
};
