import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export { freePort } from '@ipbro/service-kit/src/test-support/process';
import { freePort } from '@ipbro/service-kit/src/test-support/process';

export interface Service {
  name: string;
  child: ChildProcess;
  output: string[];
  port: number;
  url: string;
}

/** One body key for every service a test file starts (the gateway encrypts what the router and courier read). */
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/**
 * Starts a built service (services/<name>/dist/main.js) as its own process and waits for /healthz;
 * IPBRO_ENCRYPTION_KEY defaults to TEST_ENCRYPTION_KEY.
 */
export async function startService(
  name: string,
  env: Record<string, string | number>,
  port?: number
): Promise<Service> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, [join(ROOT, 'services', name, 'dist', 'main.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      IPBRO_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      PORT: String(p),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const service = { name, child, output, port: p, url: `http://127.0.0.1:${p}` };
  const end = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output.join('')}`);
    try {
      if ((await fetch(`${service.url}/healthz`)).ok) return service;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${name} did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopService(s: Service | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill(signal);
  });
}

export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 15000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A full garbage collection in a service started with NODE_OPTIONS=--inspect=127.0.0.1:0, through its
 * inspector (HeapProfiler.collectGarbage), so a heap reading after it counts live objects only.
 */
export async function collectGarbage(service: Service): Promise<void> {
  const url = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(service.output.join(''))?.[0];
  if (!url) throw new Error(`${service.name} has no inspector (start it with NODE_OPTIONS=--inspect=127.0.0.1:0)`);
  const script = `const ws = new WebSocket(${JSON.stringify(url)});
ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
ws.onmessage = (e) => { if (JSON.parse(e.data).id === 1) { ws.close(); process.exit(0); } };
ws.onerror = () => process.exit(1);
setTimeout(() => process.exit(2), 10000);`;
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script], {
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`garbage collection in ${service.name} through its inspector failed (${code})`);
}
