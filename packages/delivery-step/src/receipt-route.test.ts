import { Directory } from '@ipbro/directory';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { receiptRouteFor } from './receipt-route';

const DEMO = JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'));
const directory = Directory.fromObject(DEMO);

test("the sender's own source.endpoint first, whatever the directory says", () => {
  expect(receiptRouteFor({ sender: '997005562', sourceEndpoint: 'http://dips.hmr.test/fhir' }, directory)).toEqual({
    kind: 'endpoint',
    endpoint: 'http://dips.hmr.test/fhir',
    via: 'source.endpoint',
  });
});

test('else the koordinerende enhet the directory lists for the sending helseforetak', () => {
  expect(receiptRouteFor({ sender: '997005562' }, directory)).toEqual({
    kind: 'endpoint',
    endpoint: 'http://127.0.0.1:4102/fhir',
    via: 'directory',
  });
});

test('a kommune, an unknown sender, or no directory: no way back, saying why', () => {
  for (const route of [
    receiptRouteFor({ sender: '942953119' }, directory), // Ålesund kommune: not a helseforetak entry
    receiptRouteFor({ sender: '999999999' }, directory),
    receiptRouteFor({ sender: '997005562' }),
  ]) {
    expect(route).toEqual({ kind: 'none', reason: expect.stringContaining('no source.endpoint') });
  }
});

test('a helseforetak whose koordinerende enhet does not take FHIR messages gets no receipt pushed', () => {
  const data = JSON.parse(JSON.stringify(DEMO));
  data.helseforetak[0].koordinerendeEnhet = { endpoint: 'http://hmr.test/fhir', delivery: 'fhir-rest' };
  expect(receiptRouteFor({ sender: data.helseforetak[0].orgnr }, Directory.fromObject(data)).kind).toBe('none');
});
