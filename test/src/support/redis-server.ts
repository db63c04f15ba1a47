import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes';

/**
 * A redis-server of the test's own (never the shared one): a free port, the append-only file on in
 * a temporary folder, so it can be SIGKILLed and started again on the same port with its data.
 */
export interface OwnRedis {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL: no shutdown save, no goodbye to clients; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (it loads the append-only file). */
  restart(): Promise<void>;
  /** SIGKILL if running, and the folder removed. */
  destroy(): Promise<void>;
  output: string[];
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += String(d);
      // -LOADING while the append-only file is read: not ready yet.
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-redis-'));
  const output: string[] = [];
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--appendonly',
        'yes',
        '--dir',
        dir,
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    );
    child.stdout?.on('data', (d) => output.push(String(d)));
    child.stderr?.on('data', (d) => output.push(String(d)));
    let failed: Error | undefined;
    child.once('error', (err) => {
      failed = err;
    });
    const end = Date.now() + 15000;
    for (;;) {
      if (failed)
        throw new Error(
          `cannot start redis-server (this test needs the binary on PATH to run a Redis of its own): ${failed.message}`
        );
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output.join('')}`);
      if (await ping(port)) return;
      if (Date.now() > end) throw new Error(`redis-server did not start on ${port}: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };

  await start();
  return {
    port,
    dir,
    output,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    destroy: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
