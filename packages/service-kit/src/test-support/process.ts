import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A port nothing listens on right now, for a process a test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output: string[];
  url: string;
}

/**
 * Starts a built service (`node main` with `env` over this process's, on a free PORT) and waits up
 * to 20 s for its /readyz; throws with its output when it exits or never gets ready. `started` gets
 * the child at once, so a test can kill whatever it started even when the start fails.
 */
export async function startServiceProcess(
  main: string,
  env: Record<string, string>,
  started?: (child: ChildProcess) => void
): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started?.(child);
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${main} exited (${child.exitCode}): ${output.join('')}`);
    if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok) return { child, output, url };
    if (Date.now() > end) throw new Error(`${main} did not start: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How a child process ended (at once when it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs a built service that should refuse to start: its exit code and what it wrote to stderr. `env` is the whole environment. */
export async function refusedStart(
  main: string,
  env: NodeJS.ProcessEnv
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [main], {
    env: { ...env, PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const { code } = await exited(child);
  return { code, stderr };
}
