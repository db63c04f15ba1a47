import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './test-support/process';

// runService in a real process (the built kit): config → wire → start, and the one-line refusals.
const KIT = join(__dirname, '..', 'dist', 'index.js');

function run(wire: string, env: Record<string, string>) {
  const script = `const kit = require(${JSON.stringify(KIT)});
kit.runService('svc', (env) => kit.loadConfig({ PORT: kit.read.port(), HOST: kit.read.string('127.0.0.1') }, env), ${wire});`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += String(c)));
  child.stderr.on('data', (c) => (err += String(c)));
  return { child, out: () => out, err: () => err };
}

test('a wrong setting: one line naming it on stderr, exit 1, nothing wired', async () => {
  const p = run(`async () => { throw new Error('wired anyway'); }`, { PORT: 'eighty' });
  const [code] = await once(p.child, 'exit');
  expect(code).toBe(1);
  expect(p.err()).toMatch(/^svc: PORT .*\n$/);
});

test('a wiring that fails: one line on stderr, exit 1', async () => {
  const p = run(`async () => { throw new Error('Redis refused: maxmemory-policy allkeys-lru'); }`, {
    PORT: String(await freePort()),
  });
  const [code] = await once(p.child, 'exit');
  expect(code).toBe(1);
  expect(p.err()).toBe('svc: Redis refused: maxmemory-policy allkeys-lru\n');
});

test('wired, started, served; on SIGTERM the server stops and the wiring closes', async () => {
  const port = await freePort();
  const wire = `async (config, logger) => ({
    app: kit.createServiceApp({ name: 'svc', logger }).finish(),
    start: async () => logger.info('start ran'),
    close: async () => logger.info('close ran'),
    summary: { port: config.PORT },
  })`;
  const p = run(wire, { PORT: String(port) });
  const end = Date.now() + 10_000;
  while (!(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok && Date.now() < end)
    await new Promise((r) => setTimeout(r, 50));
  p.child.kill('SIGTERM');
  const [code] = await once(p.child, 'exit');
  expect(code).toBe(0);
  const messages = p
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; port?: number });
  expect(
    messages.map((m) => m.msg).filter((m) => ['start ran', 'listening', 'svc started', 'close ran'].includes(m))
  ).toEqual(['start ran', 'listening', 'svc started', 'close ran']);
  expect(messages.find((m) => m.msg === 'svc started')?.port).toBe(port);
});
