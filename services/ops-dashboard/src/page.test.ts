import { renderPage, type PageData } from './page';

const base: PageData = {
  now: new Date('2026-11-30T08:00:00Z'),
  queues: [],
  states: {},
  recipients: [],
  failingThreshold: 3,
  alerts: [],
  query: {},
  messages: [],
  audit: [],
  who: 'vakt-anne',
  nonce: 'n0nce',
};

test('text from recipients and senders is escaped: an error answer cannot put markup or script on the page', () => {
  const html = renderPage({
    ...base,
    recipients: [
      {
        id: 'her:1',
        name: '<b>Ålesund</b>',
        backlog: 0,
        awaitingReceipt: 0,
        dead: 1,
        consecutiveFailures: 3,
        lastError: 'HTTP 500: <script>alert(1)</script>',
        lastErrorAt: '2026-11-30T07:59:00Z',
      },
    ],
    messages: [
      {
        key: '997005562:m"1',
        id: 'm"1',
        event: 'meldeplikt',
        sender: '997005562',
        state: 'dead',
        attempts: 2,
        receivedAt: '2026-11-30T07:00:00Z',
        updatedAt: '2026-11-30T07:59:00Z',
        lastDetail: '<img src=x onerror=alert(1)>',
        history: [],
      },
    ],
    query: { recipient: '"><script>x</script>' },
  });
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(html).not.toContain('<img src=x');
  expect(html).not.toContain('<b>Ålesund</b>');
  expect(html).toContain('HTTP 500: &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).toContain('data-key="997005562:m&quot;1"');
  expect(html).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  // The only script is ours, with the request's nonce.
  expect(html.match(/<script/g)).toHaveLength(1);
  expect(html).toContain('<script nonce="n0nce">');
});

test('retry for dead and rejected, re-drive for unroutable, discard for all but acknowledged and discarded', () => {
  const m = (id: string, state: PageData['messages'][number]['state'], extra = {}) => ({
    key: `997005562:${id}`,
    id,
    event: 'meldeplikt',
    sender: '997005562',
    state,
    attempts: 1,
    receivedAt: '2026-11-30T07:00:00Z',
    updatedAt: '2026-11-30T07:00:00Z',
    history: [],
    ...extra,
  });
  const html = renderPage({
    ...base,
    messages: [
      m('d', 'dead'),
      m('r', 'rejected'),
      m('u', 'unroutable'),
      m('a', 'acknowledged'),
      m('x', 'dead', { discarded: { by: 'a', at: 'b', reason: 'c' } }),
    ],
  });
  const buttons = (id: string) =>
    [...html.matchAll(new RegExp(`data-action="(\\w+)" data-key="997005562:${id}"`, 'g'))].map((x) => x[1]);
  expect(buttons('d')).toEqual(['retry', 'discard']);
  expect(buttons('r')).toEqual(['retry', 'discard']);
  expect(buttons('u')).toEqual(['redrive', 'discard']);
  expect(buttons('a')).toEqual([]);
  expect(buttons('x')).toEqual(['retry']);
  expect(html).toContain('No alerts.');
});
