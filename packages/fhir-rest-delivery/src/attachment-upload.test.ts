import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uploadLargeAttachments } from './attachment-upload';
import { deliverTransactions } from './transaction-client';
import { planTransactions } from './transaction-plan';
import { listeningPeer } from './test-support/listening-peer';

const EPIKRISE = readFileSync(
  join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'epikrise.json'),
  'utf8'
);
const options = { messageId: 'm-2', timeoutMs: 10000 };

const at = listeningPeer();

const withAttachment = (bytes: Buffer): Bundle => {
  const b = JSON.parse(EPIKRISE) as Bundle;
  (b.entry![1].resource as DocumentReference).content[0].attachment.data = bytes.toString('base64');
  return b;
};

test('a small attachment stays inline, the bundle untouched', async () => {
  const b = JSON.parse(EPIKRISE) as Bundle;
  expect(await uploadLargeAttachments(at.base, b, options)).toEqual({ kind: 'ok', bundle: b, uploaded: 0 });
  expect(at.peer.requests).toHaveLength(0);
});

test(
  'a 3 MB document goes up as a raw Binary; the DocumentReference the server keeps points at ' +
    'it, and the bytes read back are the bytes sent',
  async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const original = withAttachment(bytes);
    const up = await uploadLargeAttachments(at.base, original, options);
    if (up.kind !== 'ok') throw new Error(up.reason);
    expect(up.uploaded).toBe(1);
    expect((original.entry![1].resource as DocumentReference).content[0].attachment.data).toBe(
      bytes.toString('base64')
    ); // input unchanged
    const attachment = (up.bundle.entry![1].resource as DocumentReference).content[0].attachment;
    expect(attachment).toMatchObject({
      contentType: 'application/pdf',
      url: expect.stringMatching(/^Binary\//),
      size: bytes.length,
      hash: createHash('sha1').update(bytes).digest('base64'),
    });
    expect(attachment.data).toBeUndefined();
    expect(await deliverTransactions(at.base, planTransactions(up.bundle, 8), options)).toMatchObject({
      kind: 'written',
    });
    const found = (await (await fetch(`${at.base}/DocumentReference`)).json()) as Bundle;
    const stored = (found.entry![0].resource as DocumentReference).content[0].attachment;
    const back = Buffer.from(await (await fetch(`${at.base}/${stored.url}`)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
  }
);

test('inline, the same document is refused by the server (its string limit), which is why it is uploaded', async () => {
  const outcome = await deliverTransactions(
    at.base,
    planTransactions(withAttachment(randomBytes(3 * 1024 * 1024)), 8),
    options
  );
  expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/larger than 1 MB/) });
});

test('the server down: transient', async () => {
  at.peer.down = true;
  expect(await uploadLargeAttachments(at.base, withAttachment(randomBytes(2 * 1024 * 1024)), options)).toMatchObject({
    kind: 'transient',
    reason: expect.stringContaining('HTTP 503'),
  });
});
