import { freePort } from '@ipbro/service-kit/src/test-support/process';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * redis-server processes of a test's own, on free ports, without persistence (a killed one comes
 * back empty): a primary with a replica and three sentinels, or a Redis Cluster. Everything started
 * is killed by stop(), and by this process' exit should a test die first.
 */
export interface RedisProcess {
  port: number;
  output: string[];
  /** SIGKILL: no goodbye to clients or replicas; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty), with `extra` arguments (e.g. `--replicaof host port`). */
  start(extra?: string[]): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One command over a bare socket: the first reply line (or bulk text), or undefined when nothing answers. */
export function ask(port: number, ...command: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () =>
      socket.write(`*${command.length}\r\n${command.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('')}`)
    );
    socket.on('data', (d) => {
      answer += String(d);
      const bulk = /^\$(\d+)\r\n/.exec(answer);
      if (bulk ? answer.length >= bulk[0].length + Number(bulk[1]) + 2 : answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () =>
      resolve(
        answer
          ? answer
              .replace(/^\$\d+\r\n/, '')
              .replace(/^[+:]/, '')
              .trim()
          : undefined
      )
    );
    socket.on('error', () => resolve(undefined));
  });
}

export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startRedisProcess(args: (port: number) => string[]): Promise<RedisProcess> {
  const port = await freePort();
  const output: string[] = [];
  let child: ChildProcess | undefined;
  const start = async (extra: string[] = []): Promise<void> => {
    const c = spawn('redis-server', [...args(port), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    running.add(c);
    c.once('exit', () => running.delete(c));
    c.stdout?.on('data', (d) => output.push(String(d)));
    c.stderr?.on('data', (d) => output.push(String(d)));
    let failed: Error | undefined;
    c.once('error', (err) => (failed = err));
    await until(`redis-server on ${port}`, 15000, async () => {
      if (failed) throw new Error(`cannot start redis-server (these tests need it on PATH): ${failed.message}`);
      if (c.exitCode !== null) throw new Error(`redis-server on ${port} exited (${c.exitCode}): ${output.join('')}`);
      return (await ask(port, 'PING')) === 'PONG';
    });
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
  return { port, output, kill, start };
}

const DATA = [
  '--bind',
  '127.0.0.1',
  '--protected-mode',
  'no',
  '--save',
  '',
  '--appendonly',
  'no',
  '--maxmemory-policy',
  'noeviction',
];

export interface SentinelSet {
  name: string;
  primary: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME for a service. */
  env: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number | undefined>;
  /** Resolves once the other node is the primary's replica, in sync, and every sentinel knows it and the other two. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A primary, its replica and three sentinels (quorum 2) that fail over one second after the
 * primary stops answering. Resolves once the replica is in sync and every sentinel knows the
 * replica and the other two, so a failover can happen.
 */
export async function startSentinelSet(name = 'ipbro'): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-sentinel-'));
  const started: RedisProcess[] = [];
  try {
    const primary = await startRedisProcess((port) => ['--port', String(port), ...DATA]);
    started.push(primary);
    const replica = await startRedisProcess((port) => [
      '--port',
      String(port),
      ...DATA,
      '--replicaof',
      '127.0.0.1',
      String(primary.port),
    ]);
    started.push(replica);
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await startRedisProcess((port) => {
        const conf = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            'protected-mode no',
            `dir ${dir}`,
            `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
            `sentinel down-after-milliseconds ${name} 1000`,
            `sentinel failover-timeout ${name} 5000`,
            `sentinel parallel-syncs ${name} 1`,
          ].join('\n') + '\n'
        );
        return [conf, '--sentinel'];
      });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const primaryPort = async () => {
      for (const s of sentinels) {
        const info = (await ask(s.port, 'INFO', 'sentinel')) ?? '';
        const port = new RegExp(`name=${name},status=ok,address=127\\.0\\.0\\.1:(\\d+)`).exec(info)?.[1];
        if (port) return Number(port);
      }
      return undefined;
    };
    const ready = async () => {
      const port = await until('a primary named by the sentinels', 20000, primaryPort);
      const other = port === primary.port ? replica : primary;
      await until(`${other.port} in sync with ${port}`, 20000, async () =>
        ((await ask(other.port, 'INFO', 'replication')) ?? '').includes('master_link_status:up')
      );
      for (const s of sentinels) {
        await until(`sentinel ${s.port} to know the replica and the other sentinels`, 30000, async () => {
          const info = (await ask(s.port, 'INFO', 'sentinel')) ?? '';
          return new RegExp(`name=${name},status=ok,address=127\\.0\\.0\\.1:${port},slaves=1,sentinels=3`).test(info);
        });
      }
    };
    await ready();
    return {
      name,
      primary,
      replica,
      sentinels,
      primaryPort,
      ready,
      env: { REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_NAME: name },
      stop: async () => {
        await Promise.all(started.map((p) => p.kill()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface RedisClusterSet {
  nodes: RedisProcess[];
  /** REDIS_CLUSTER_NODES for a service. */
  env: { REDIS_CLUSTER_NODES: string };
  stop(): Promise<void>;
}

/** A Redis Cluster of `primaries` primaries, each with `replicas` replicas, made by `redis-cli --cluster create`. */
export async function startRedisCluster(primaries = 3, replicas = 1): Promise<RedisClusterSet> {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-cluster-'));
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      nodes.push(
        await startRedisProcess((port) => [
          '--port',
          String(port),
          ...DATA,
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
        ])
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        timeout: 30000,
      }
    );
    for (const n of nodes)
      await until(`cluster_state:ok on ${n.port}`, 20000, async () =>
        ((await ask(n.port, 'CLUSTER', 'INFO')) ?? '').includes('cluster_state:ok')
      );
    // And every replica in sync, so a write can be confirmed from the start.
    for (const n of nodes) {
      await until(`replication in sync on ${n.port}`, 20000, async () => {
        const info = (await ask(n.port, 'INFO', 'replication')) ?? '';
        return info.includes('role:slave')
          ? info.includes('master_link_status:up')
          : new RegExp(`connected_slaves:${replicas}\\b`).test(info);
      });
    }
    return { nodes, env: { REDIS_CLUSTER_NODES: addresses.join(',') }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
