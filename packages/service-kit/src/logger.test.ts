import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError } from './config';
import { createLogger } from './logger';

function capture(level?: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write: (chunk, _e, cb) => {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { logger: createLogger('svc', { level, destination }), lines };
}

test('JSON lines carrying the service; authorization, cookies and bodies are redacted', () => {
  const { logger, lines } = capture('info');
  logger.info(
    {
      req: { headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=1', host: 'x' }, body: { name: 'Kari' } },
      headers: { authorization: 'Bearer b' },
      authorization: 'Bearer c',
    },
    'hello'
  );
  expect(lines).toHaveLength(1);
  const line = lines[0] as {
    service: string;
    msg: string;
    req: { headers: Record<string, string>; body: unknown };
    headers: { authorization: string };
    authorization: string;
  };
  expect(line).toMatchObject({ service: 'svc', msg: 'hello' });
  expect(line.req.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', host: 'x' });
  expect(line.req.body).toBe('[redacted]');
  expect(line.headers.authorization).toBe('[redacted]');
  expect(line.authorization).toBe('[redacted]');
  expect(JSON.stringify(lines)).not.toContain('secret');
});

test('the level comes from LOG_LEVEL; a wrong one is a ConfigError naming it', () => {
  const saved = process.env.LOG_LEVEL;
  try {
    process.env.LOG_LEVEL = 'warn';
    expect(createLogger('svc', { destination: new Writable({ write: (_c, _e, cb) => cb() }) }).level).toBe('warn');
    process.env.LOG_LEVEL = 'loud';
    expect(() => createLogger('svc')).toThrow(
      new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"')
    );
  } finally {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  }
});

test('below the level nothing is written', () => {
  const { logger, lines } = capture('warn');
  logger.info('quiet');
  logger.warn('loud');
  expect(lines.map((l) => l.msg)).toEqual(['loud']);
});

describe('the default destination (stdout, written in batches)', () => {
  // Real processes on the built kit: what reaches a pipe, and when, is the point.
  const KIT = join(__dirname, '..', 'dist', 'index.js');
  const run = (body: string) => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const kit = require(${JSON.stringify(KIT)}); const logger = kit.createLogger('child', { level: 'info' });\n${body}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    let out = '';
    child.stdout.on('data', (c) => (out += String(c)));
    return { child, out: () => out };
  };

  test('a lone line is written within the flush interval, while the process goes on', async () => {
    const { child, out } = run(`logger.info('lonely'); setInterval(() => {}, 1000);`);
    try {
      const started = Date.now();
      while (!out().includes('lonely') && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
      expect(JSON.parse(out().trim())).toMatchObject({ service: 'child', msg: 'lonely' });
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('lines still waiting in the batch are written when the process exits', async () => {
    const { child, out } = run(`for (let i = 0; i < 50; i++) logger.info({ i }, 'line'); process.exit(3);`);
    const [code] = await once(child, 'close'); // after its stdout has ended
    expect(code).toBe(3);
    expect(
      out()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i: number }).i)
    ).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
