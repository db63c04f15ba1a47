import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eventually, ROOT } from './support/processes';
import { meldepliktFor, startOpsStack, type OpsStack } from './support/ops-stack';

// The operator's page in a real browser (Debian's chromium, driven by playwright-core): after the
// example flows with Ålesund's koordinerende enhet failing, the page shows the queues and the failing
// recipient; with Ålesund back, a click on Retry brings the dead meldeplikt to acknowledged.
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
let stack: OpsStack;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  stack = await startOpsStack({ attempts: 2, failuresForAlert: 2 });
  // A fresh profile each run. The operator's token rides on every request, as the authenticating
  // proxy in front of the dashboard would add it.
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ipbro-chromium-')), {
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    extraHTTPHeaders: { Authorization: `Bearer ${stack.opsToken}` },
    viewport: { width: 1400, height: 1000 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 90000);

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

test(
  'the page shows the queues and the failing recipient; retry on the dead message ends acknowledged ' +
    'once the recipient is back',
  async () => {
    // Ålesund's KE answers 503 to everything; Molde's answers ok.
    await stack.behave('1508', { mode: 'fail', sequence: ['503'] });
    const alesund = meldepliktFor();
    const molde = meldepliktFor('1506');
    expect((await stack.send(alesund.bundle)).status).toBe(202);
    expect((await stack.send(molde.bundle)).status).toBe(202);
    await stack.waitForState(molde.id, 'acknowledged');
    await stack.waitForState(alesund.id, 'dead');

    await page.goto(`${stack.dashboard.url}/ops`);
    await expect(page.title()).resolves.toBe('IP-bro operations');
    expect(
      await page.locator('#queues tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-queue')))
    ).toEqual(['meldeplikt', 'documents', 'receipts']);
    const failing = page.locator('#recipients tr[data-recipient="her:8110021"]');
    await expect(failing.getAttribute('class')).resolves.toBe('failing');
    expect(await failing.locator('td').nth(0).innerText()).toContain('Ålesund kommune');
    expect(Number(await failing.locator('td.failures').innerText())).toBeGreaterThanOrEqual(2);
    expect(await failing.locator('td.kind').innerText()).toBe('koordinerende enhet');
    expect(await failing.locator('td').nth(7).innerText()).toContain('HTTP 503');
    expect(await page.locator('#recipients tr[data-recipient="her:8110031"]').getAttribute('class')).toBe('');
    await eventually(
      async () =>
        (await page.reload(), await page.locator('li.alert[data-rule="recipient-failing"]').count()) > 0
          ? true
          : undefined,
      10000,
      'the failing-recipient alert on the page'
    );
    expect(await page.locator('li.alert[data-id="recipient-failing:her:8110021"]').innerText()).toContain(
      'Ålesund kommune failed'
    );
    const deadRow = page.locator(`#messages tr[data-message="${alesund.id}"]`);
    expect(await deadRow.getAttribute('data-state')).toBe('dead');
    // Metadata only: not the patient's fødselsnummer or name anywhere on the page.
    const text = await page.locator('body').innerText();
    for (const secret of ['12830551210', 'Nordmann', 'hjerneslag']) expect(text).not.toContain(secret);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'ops-dashboard-failing.png'), fullPage: true });
    expect(stack.alerts.some((a) => a.status === 'firing' && a.alert.id === 'recipient-failing:her:8110021')).toBe(
      true
    );

    // The example's source.endpoint (hmr.example.test) answers nobody: the receipts to the sender are a
    // failing row of their own, kind sender, apart from the recipients.
    const receipts = page.locator('#recipients tr[data-recipient="receipts:org:997005562"]');
    await eventually(
      async () => ((await page.reload(), await receipts.getAttribute('class')) === 'failing' ? true : undefined),
      15000,
      'the receipts row to fail'
    );
    expect(await receipts.locator('td.kind').innerText()).toBe('sender');
    expect(await page.locator('li.alert[data-id="recipient-failing:receipts:org:997005562"]').count()).toBe(1);

    // The queue dashboard (bull-board) lists every queue.
    await page.goto(`${stack.dashboard.url}/queues/`);
    await page.getByText('meldeplikt', { exact: false }).first().waitFor({ timeout: 15000 });
    expect(await page.getByText('documents', { exact: false }).count()).toBeGreaterThan(0);

    // Ålesund is back: retry the dead message from the page.
    await stack.behave('1508', { mode: 'ok' });
    await page.goto(`${stack.dashboard.url}/ops?id=${alesund.id}`);
    await Promise.all([
      page.waitForEvent('load'),
      page.locator(`#messages tr[data-message="${alesund.id}"] button[data-action="retry"]`).click(),
    ]);
    await stack.waitForState(alesund.id, 'acknowledged');
    await page.goto(`${stack.dashboard.url}/ops?id=${alesund.id}`);
    expect(await page.locator(`#messages tr[data-message="${alesund.id}"]`).getAttribute('data-state')).toBe(
      'acknowledged'
    );
    expect(await page.locator('#audit').innerText()).toMatch(/vakt-ops \(997005562\) retry/);
    // Ålesund answered: its alert clears, on the page and at the webhook.
    await eventually(
      async () =>
        stack.alerts.some((a) => a.status === 'resolved' && a.alert.id === 'recipient-failing:her:8110021')
          ? true
          : undefined,
      10000,
      'the alert to clear'
    );
    await page.reload();
    expect(await page.locator('li.alert[data-id="recipient-failing:her:8110021"]').count()).toBe(0);
    expect(await page.locator('#recipients tr[data-recipient="her:8110021"] td.failures').innerText()).toBe('0');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-dashboard-recovered.png'), fullPage: true });
  },
  90000
);
