import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { ForbiddenKeyError, jsonDepthExceeds, JsonTooDeepError, parsedJsonProblem, parseJsonSafely } from './fhir-body';
import { createLogger } from './logger';
import express from 'express';
import { createServiceApp, finishServiceApp, startHttpServer } from './service-app';
import { listen } from './test-support/http';
import { serviceUnavailable } from '@ipbro/outcome';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

async function startApp(readinessOk = true, limit = 1000) {
  const kit = createServiceApp({
    name: 'test',
    logger: quiet,
    body: { limit },
    readiness: [{ name: 'redis', check: async () => (readinessOk ? undefined : 'connection refused') }],
  });
  kit.app.post('/echo', (req, res) => {
    res.json({ got: req.body });
  });
  kit.app.get('/items/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  kit.app.get('/boom', () => {
    throw new Error('secret internals');
  });
  kit.app.get('/pause', () => {
    throw serviceUnavailable('The message store is unavailable');
  });
  return listen(kit.finish());
}

const post = (url: string, body: string, type = 'application/fhir+json') =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });

describe('the service app', () => {
  test('health, readiness and metrics', async () => {
    const ok = await startApp(true);
    const down = await startApp(false);
    try {
      expect((await fetch(`${ok.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ok.url}/readyz`)).status).toBe(200);
      const notReady = await fetch(`${down.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not ready',
        checks: [{ name: 'redis', ok: false, reason: 'connection refused' }],
      });
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
        ['{"__proto__":{"admin":true}}', 'application/json', 400, 'not allowed: "__proto__"'],
        ['['.repeat(70) + ']'.repeat(70), 'application/json', 400, 'nested deeper than 64'],
        ['{"a":1}', 'application/json; charset=iso-8859-1', 415, 'charset must be utf-8'],
        ['{"a":1}', 'multipart/form-data', 415, 'Content-Type must be'],
        ['{"a":{"constructor":{"prototype":{"admin":true}}}}', 'application/json', 400, 'a key that is not allowed'],
      ];
      for (const [body, type, status, text] of cases) {
        const res = await post(`${s.url}/echo`, body, type);
        expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
          status,
          type: 'application/fhir+json; charset=utf-8',
        });
        const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(outcome.issue[0].diagnostics).toContain(text);
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      const utf8 = await post(`${s.url}/echo`, '{"name":"Ærlig Ødegård"}', 'application/fhir+json; charset=UTF-8');
      expect(await utf8.json()).toEqual({ got: { name: 'Ærlig Ødegård' } });
      const gzip = await fetch(`${s.url}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        body: gzipSync('{"a":1}'),
      });
      expect(gzip.status).toBe(415);
      expect(((await gzip.json()) as { issue: { diagnostics: string }[] }).issue[0].diagnostics).toContain(
        'Content-Encoding "gzip" is not supported'
      );
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
      expect(boom.headers.get('retry-after')).toBeNull();
    } finally {
      await s.close();
    }
  });

  test('a 503 (Redis away, a failover, replicas behind) tells the sender when to try again', async () => {
    const s = await startApp();
    try {
      const pause = await fetch(`${s.url}/pause`);
      expect(pause.status).toBe(503);
      expect(pause.headers.get('retry-after')).toBe('1');
      const outcome = (await pause.json()) as { issue: unknown[] };
      expect(outcome.issue[0]).toMatchObject({ code: 'transient', diagnostics: 'The message store is unavailable' });
    } finally {
      await s.close();
    }
  });

  test('request ids are kept from X-Request-Id or made', async () => {
    const s = await startApp();
    try {
      expect(
        (await fetch(`${s.url}/healthz`, { headers: { 'X-Request-Id': 'msg-123' } })).headers.get('x-request-id')
      ).toBe('msg-123');
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
  expect(jsonDepthExceeds('{"a":"\\\\","b":[[[1]]]}', 3)).toBe(true); // an escaped backslash ends the string
  expect(jsonDepthExceeds('{"a":"\\\\\\"[[[["}', 1)).toBe(false); // \\ then \" stays inside
  expect(jsonDepthExceeds('{"a":"[[[[', 1)).toBe(false); // unterminated: left to JSON.parse
  expect(jsonDepthExceeds(`{"a":"${'x'.repeat(100000)}","b":[[[[1]]]]}`, 3)).toBe(true);
});

test('parsedJsonProblem counts levels as jsonDepthExceeds counts brackets', () => {
  const tooDeep = (value: unknown, max: number) => parsedJsonProblem(value, max)?.kind === 'too-deep';
  for (const text of [
    '{}',
    '[]',
    '{"a":[{"b":[]}]}',
    '['.repeat(64) + ']'.repeat(64),
    '['.repeat(65) + ']'.repeat(65),
    '{"a":' + '{"b":'.repeat(63) + '1' + '}'.repeat(64),
    '{"a":' + '{"b":'.repeat(64) + '1' + '}'.repeat(65),
    '[1,"[[[[",{"a":null}]',
  ]) {
    for (const max of [1, 2, 3, 64])
      expect([text.slice(0, 12), max, tooDeep(JSON.parse(text), max)]).toEqual([
        text.slice(0, 12),
        max,
        jsonDepthExceeds(text, max),
      ]);
  }
  expect(tooDeep(JSON.parse('['.repeat(65) + ']'.repeat(65)), 64)).toBe(true);
  expect(parsedJsonProblem({ a: [1, 2, { b: null }] }, 3)).toBeUndefined();
  expect(parsedJsonProblem({ a: [1, 2, { b: {} }] }, 3)).toEqual({ kind: 'too-deep' });
  expect(parsedJsonProblem({ a: [1, { b: { constructor: 1 } }] }, 64)).toEqual({
    kind: 'forbidden-key',
    key: 'constructor',
  });
  expect(() => parseJsonSafely('[[[1]]]', 2)).toThrow(JsonTooDeepError);
  expect(parseJsonSafely('[[[1]]]', 3)).toEqual([[[1]]]);
});

test('too deep JSON is refused whether it is checked before parsing (over 64 kB) or after (smaller)', async () => {
  const s = await startApp(true, 1024 * 1024);
  try {
    const deep = '['.repeat(70) + ']'.repeat(70);
    const shallow = '['.repeat(60) + ']'.repeat(60);
    const pad = 'x'.repeat(70 * 1024);
    for (const [body, status] of [
      [`{"a":${deep}}`, 400],
      [`{"pad":"${pad}","a":${deep}}`, 400],
      [`{"a":${shallow}}`, 200],
      [`{"pad":"${pad}","a":${shallow}}`, 200],
    ] as const) {
      const res = await post(`${s.url}/echo`, body);
      expect([body.length > 64 * 1024, res.status]).toEqual([body.length > 64 * 1024, status]);
      if (status === 400)
        expect(((await res.json()) as { issue: { diagnostics: string }[] }).issue[0].diagnostics).toContain(
          'nested deeper than 64'
        );
      else expect(JSON.stringify(((await res.json()) as { got: { a: unknown } }).got.a)).toBe(shallow);
    }
  } finally {
    await s.close();
  }
});

test('a POST with no body and no content type is an action, not a 415', async () => {
  const s = await startApp();
  try {
    const res = await fetch(`${s.url}/echo`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(
      (await fetch(`${s.url}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' } })).status
    ).toBe(400);
  } finally {
    await s.close();
  }
});

test('a malformed %-escape in a path parameter is a 400 OperationOutcome, not a 500', async () => {
  const s = await startApp();
  try {
    expect(await (await fetch(`${s.url}/items/a%20b`)).json()).toEqual({ id: 'a b' });
    const res = await fetch(`${s.url}/items/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  } finally {
    await s.close();
  }
});

test('bodyLimit, a given registry, finishServiceApp, and request durations by route pattern', async () => {
  const registry = new Registry();
  const kit = createServiceApp({ name: 'test', logger: quiet, registry, bodyLimit: 50 });
  expect(kit.registry).toBe(registry);
  kit.app.post('/things/:id', (req, res) => {
    res.json({ id: req.params.id, got: req.body });
  });
  const s = await listen(finishServiceApp(kit.app));
  try {
    expect((await post(`${s.url}/things/a1`, '{"resourceType":"Patient"}')).status).toBe(200);
    expect((await post(`${s.url}/things/b2`, JSON.stringify({ text: 'x'.repeat(60) }))).status).toBe(413);
    expect((await fetch(`${s.url}/nowhere`)).status).toBe(404);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/things\/:id",status="200"\} 1/
    );
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(metrics).not.toContain('a1');
  } finally {
    await s.close();
  }
  expect(() => finishServiceApp(express())).toThrow('not made by createServiceApp');
});

test('readiness: a check that throws is named with its reason', async () => {
  const kit = createServiceApp({
    name: 'test',
    logger: quiet,
    readiness: [
      { name: 'directory', check: async () => undefined },
      {
        name: 'redis',
        check: async () => {
          throw new Error('ECONNREFUSED');
        },
      },
    ],
  });
  const s = await listen(kit.finish());
  try {
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      checks: [
        { name: 'directory', ok: true },
        { name: 'redis', ok: false, reason: 'ECONNREFUSED' },
      ],
    });
  } finally {
    await s.close();
  }
});

describe('startHttpServer', () => {
  function slowApp(arrived: () => void) {
    const kit = createServiceApp({ name: 'test', logger: quiet });
    kit.app.get('/slow', (_req, res) => {
      arrived();
      setTimeout(() => res.json({ done: true }), 300);
    });
    kit.app.get('/never', () => arrived());
    return kit.finish();
  }

  test('close() stops accepting, lets the in-flight request finish, then runs the hooks', async () => {
    const events: string[] = [];
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    const running = await startHttpServer(
      slowApp(() => arrived()),
      0,
      quiet,
      [async () => void events.push('first hook')],
      { handleSignals: false, drainTimeoutMs: 60_000 }
    );
    running.onShutdown(() => void events.push('second hook'));
    // A long keep-alive: if close() waited for idle connections to time out, this test would time out.
    running.server.keepAliveTimeout = 60_000;
    const url = `http://127.0.0.1:${running.port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // leaves a keep-alive connection open
    const slow = fetch(`${url}/slow`).then(async (r) => {
      events.push('answered');
      return { status: r.status, body: await r.json() };
    });
    await inFlight;
    const closed = running.close().then(() => events.push('closed'));
    await expect(fetch(`${url}/healthz`, { headers: { Connection: 'close' } })).rejects.toThrow();
    expect(await slow).toEqual({ status: 200, body: { done: true } });
    await closed;
    expect(events).toEqual(['answered', 'first hook', 'second hook', 'closed']);
    expect(running.close()).toBe(running.close());
  }, 10_000);

  test('a request that outlives the drain timeout is cut, and close() still completes', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((r) => (arrived = r));
    const running = await startHttpServer(
      slowApp(() => arrived()),
      0,
      quiet,
      [],
      { handleSignals: false, drainTimeoutMs: 200 }
    );
    const hanging = fetch(`http://127.0.0.1:${running.port}/never`);
    await inFlight;
    await running.close();
    await expect(hanging).rejects.toThrow();
  }, 10_000);

  test('a port in use is a rejected start, not a crash', async () => {
    const first = await startHttpServer(
      slowApp(() => undefined),
      0,
      quiet,
      [],
      { handleSignals: false }
    );
    try {
      await expect(
        startHttpServer(
          slowApp(() => undefined),
          first.port,
          quiet,
          [],
          { handleSignals: false }
        )
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

test('parseJsonSafely: prototype keys are refused however they are spelt; other text parses as JSON.parse does', () => {
  for (const text of [
    '{"__proto__":{"a":1}}',
    '{"x":[{"constructor":{}}]}',
    '{"prototype":1}',
    '{"__proto\\u005f_":{"a":1}}',
    '{"\\u0063onstructor":{"prototype":{}}}',
  ]) {
    expect(() => parseJsonSafely(text)).toThrow(ForbiddenKeyError);
  }
  for (const text of [
    '{"resourceType":"Patient","name":[{"text":"\\u00c6rlig"}]}',
    '{"note":"the constructor of the plan"}',
    '[1,"x",null,{"a":{"b":[]}}]',
  ]) {
    expect(parseJsonSafely(text)).toEqual(JSON.parse(text));
  }
  expect(({} as Record<string, unknown>).a).toBeUndefined();
});

test('jsonDepthExceeds agrees with the depth of the parsed value (seeded random JSON with tricky strings)', () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const strings = ['[', ']{', '\\', '\\"', '"[', 'æ', '\\\\', 'x'];
  const make = (d: number): unknown => {
    const r = rnd();
    if (d > 9 || r < 0.25) return strings[Math.floor(rnd() * strings.length)].repeat(1 + Math.floor(rnd() * 3));
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 3) }, () => make(d + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(rnd() * 3) }, (_v, i) => [`${strings[i]}k${i}`, make(d + 1)])
    );
  };
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
  for (let n = 0; n < 500; n++) {
    const value = make(0);
    const text = JSON.stringify(value);
    const depth = depthOf(value);
    expect({ text, exceeds: jsonDepthExceeds(text, depth) }).toEqual({ text, exceeds: false });
    if (depth > 0) expect({ text, exceeds: jsonDepthExceeds(text, depth - 1) }).toEqual({ text, exceeds: true });
  }
});
