import { Writable } from 'node:stream';
import { jsonDepthExceeds } from './fhir-body';
import { createLogger } from './logger';
import { createServiceApp } from './service-app';
import { listen } from './test-support/http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

async function startApp(readinessOk = true) {
  const kit = createServiceApp({ name: 'test', logger: quiet, body: { limit: 1000 }, readiness: [{ name: 'redis', check: async () => (readinessOk ? undefined : 'connection refused') }] });
  kit.app.post('/echo', (req, res) => {
    res.json({ got: req.body });
  });
  kit.app.get('/boom', () => {
    throw new Error('secret internals');
  });
  return listen(kit.finish());
}

const post = (url: string, body: string, type = 'application/fhir+json') => fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });

describe('the service app', () => {
  test('health, readiness and metrics', async () => {
    const ok = await startApp(true);
    const down = await startApp(false);
    try {
      expect((await fetch(`${ok.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ok.url}/readyz`)).status).toBe(200);
      const notReady = await fetch(`${down.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: [{ name: 'redis', ok: false, reason: 'connection refused' }] });
      const metrics = await (await fetch(`${ok.url}/metrics`)).text();
      expect(metrics).toContain('process_cpu_user_seconds_total');
    } finally {
      await ok.close();
      await down.close();
    }
  });

  test('FHIR JSON in; everything else refused with an OperationOutcome', async () => {
    const s = await startApp();
    try {
      const good = await post(`${s.url}/echo`, '{"resourceType":"Patient"}');
      expect(await good.json()).toEqual({ got: { resourceType: 'Patient' } });
      const cases: [string, string, number, string][] = [
        ['{"a":1}', 'text/plain', 415, 'Content-Type must be application/fhir+json'],
        ['{"a":', 'application/json', 400, 'not valid JSON'],
        ['', 'application/json', 400, 'empty'],
        ['x'.repeat(2000), 'application/json', 413, 'limit'],
        ['{"__proto__":{"admin":true}}', 'application/json', 400, '"__proto__" is not allowed'],
        ['['.repeat(70) + ']'.repeat(70), 'application/json', 400, 'nested deeper than 64'],
      ];
      for (const [body, type, status, text] of cases) {
        const res = await post(`${s.url}/echo`, body, type);
        expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status, type: 'application/fhir+json; charset=utf-8' });
        const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue[0].diagnostics).toContain(text);
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  test('an unknown route is 404 and a crash is a 500 that leaks nothing', async () => {
    const s = await startApp();
    try {
      const missing = await fetch(`${s.url}/nope`);
      expect(missing.status).toBe(404);
      const boom = await fetch(`${s.url}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.text()).not.toContain('secret');
    } finally {
      await s.close();
    }
  });

  test('request ids are kept from X-Request-Id or made', async () => {
    const s = await startApp();
    try {
      expect((await fetch(`${s.url}/healthz`, { headers: { 'X-Request-Id': 'msg-123' } })).headers.get('x-request-id')).toBe('msg-123');
      expect((await fetch(`${s.url}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await s.close();
    }
  });
});

test('jsonDepthExceeds ignores brackets inside strings', () => {
  expect(jsonDepthExceeds('{"a":"[[[[[[[[[["}', 3)).toBe(false);
  expect(jsonDepthExceeds('[[[[1]]]]', 3)).toBe(true);
  expect(jsonDepthExceeds('{"a":"\\"[[[["}', 1)).toBe(false);
});

test('a POST with no body and no content type is an action, not a 415', async () => {
  const s = await startApp();
  try {
    const res = await fetch(`${s.url}/echo`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await fetch(`${s.url}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
  } finally {
    await s.close();
  }
});
