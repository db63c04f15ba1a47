import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

// A real process on the built kit: SIGTERM must let the in-flight request finish, run the hooks of
// every server (last started first) and exit 0. Signals cannot be tested inside the jest worker.
const KIT = join(__dirname, '..', 'dist', 'index.js');
const CHILD = `
const kit = require(${JSON.stringify(KIT)});
const logger = kit.createLogger('child', { level: 'silent' });
(async () => {
  const a = kit.createServiceApp({ name: 'a', logger });
  const helper = await kit.startHttpServer(a.finish(), 0, logger, [() => { process.stdout.write('helper closed\\n'); }]);
  const b = kit.createServiceApp({ name: 'b', logger });
  b.app.get('/slow', (_req, res) => { process.stdout.write('arrived\\n'); setTimeout(() => res.json({ done: true }), 400); });
  const main = await kit.startHttpServer(b.finish(), 0, logger, [() => { process.stdout.write('main closed\\n'); }]);
  kit.exitOnSignals(logger, main.close); // the same close again: still one shutdown
  process.stdout.write('port ' + main.port + '\\n');
})();
`;

test('SIGTERM: the in-flight request is answered, every server closes (last started first), exit 0', async () => {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiting: (() => void)[] = [];
  child.stdout.on('data', (c) => {
    out += String(c);
    waiting.splice(0).forEach((w) => w());
  });
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => (out.includes(text) ? resolve() : waiting.push(check));
      check();
    });
  await seen('port ');
  const port = /port (\d+)/.exec(out)?.[1];
  const answer = fetch(`http://127.0.0.1:${port}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
  await seen('arrived');
  child.kill('SIGTERM');
  expect(await answer).toEqual({ status: 200, body: { done: true } });
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
  expect(out.split('\n').filter((l) => l.endsWith('closed'))).toEqual(['main closed', 'helper closed']);
}, 15_000);
