#!/usr/bin/env node
// Makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379) before tests or the demo.
// When none answers and `redis-server` is installed, starts one (daemonized, noeviction, nothing on disk);
// otherwise prints the one line that says how to get it and exits 1.
'use strict';
const net = require('node:net');
const { spawnSync } = require('node:child_process');

const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
const host = url.hostname || '127.0.0.1';
const port = Number(url.port || 6379);

function ping() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')));
  });
}

async function main() {
  if (await ping()) return;
  const isLocal = ['127.0.0.1', 'localhost', '::1'].includes(host);
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (!isLocal || which.status !== 0) {
    console.error(
      `No Redis answers at ${url.href}` +
        (isLocal
          ? ' and redis-server is not installed: install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_URL'
          : ': start it or set REDIS_URL')
    );
    process.exit(1);
  }
  const args = [
    '--daemonize',
    'yes',
    '--bind',
    host === 'localhost' ? '127.0.0.1' : host,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--dir',
    require('node:os').tmpdir(),
    '--logfile',
    require('node:path').join(require('node:os').tmpdir(), `ipbro-redis-${port}.log`),
  ];
  const started = spawnSync(which.stdout.trim(), args, { stdio: 'inherit' });
  if (started.status !== 0) {
    console.error(`redis-server failed to start on port ${port}`);
    process.exit(1);
  }
  for (let i = 0; i < 50; i++) {
    if (await ping()) {
      console.log(`Started a local redis-server at ${host}:${port} (no persistence, noeviction)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`redis-server was started but does not answer at ${host}:${port}`);
  process.exit(1);
}

main();
