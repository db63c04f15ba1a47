import type { Cluster, Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';

export interface CoalesceOptions {
  /**
   * How long (ms) a batch begun while Redis had nothing of ours to work on may wait for the commands
   * after it: a write that finds it older sends it at once. Default 0.2 ms.
   */
  maxHoldMs?: number;
}

/**
 * Sends the commands a connection is given in one turn of the event loop in few socket writes: the
 * turn's first write corks the socket, the turn's end (setImmediate) uncorks it. Under load the
 * commands of many requests and deliveries start in the same turn, and a socket write costs more
 * than the command it carries. A batch begun while no reply was pending is sent once it is
 * `maxHoldMs` old, so Redis does not sit idle through a long turn; one begun while replies are
 * pending waits for the turn's end, Redis having our earlier commands to work on. Order and replies
 * are unchanged. On a cluster, each node's connection is patched as the cluster makes it.
 *
 * This patches ioredis internals, checked against ioredis 5.11.x (package.json pins 5.11.1; the test
 * "what it relies on in ioredis" fails when an upgrade changes any of it): every command is written
 * with `redis.stream.write()`; `redis.stream` is a new socket after each reconnect, in place when
 * 'connect' is emitted; `redis.commandQueue.length` counts commands written and not yet answered.
 */
export function coalesceWrites(connection: Redis | Cluster, options: CoalesceOptions = {}): void {
  if ((connection as Cluster).isCluster) {
    const cluster = connection as Cluster;
    for (const node of cluster.nodes()) coalesceNodeWrites(node, options);
    cluster.on('+node', (node: Redis) => coalesceNodeWrites(node, options));
  } else {
    coalesceNodeWrites(connection as Redis, options);
  }
}

/** Connections already coalescing (a second call is a no-op). */
const coalescing = new WeakSet<Redis>();

function coalesceNodeWrites(redis: Redis, options: CoalesceOptions): void {
  if (coalescing.has(redis)) return;
  coalescing.add(redis);
  const maxHoldMs = options.maxHoldMs ?? 0.2;
  const patch = (): void => {
    const socket = redis.stream as (typeof redis.stream & { ipbroCoalesced?: true }) | undefined;
    if (!socket || socket.ipbroCoalesced) return;
    socket.ipbroCoalesced = true;
    const write = socket.write;
    let corked = false;
    let capped = false;
    let since = 0;
    const uncork = (): void => {
      if (!corked) return;
      corked = false;
      socket.uncork();
    };
    socket.write = function coalescedWrite(this: typeof socket, ...args: Parameters<typeof write>) {
      if (!corked) {
        corked = true;
        // Commands written before this one and not yet answered (ioredis queues a command after writing it).
        capped = redis.commandQueue.length === 0;
        since = performance.now();
        socket.cork();
        // An early uncork leaves this one the next batch to send at the turn's end, or nothing.
        setImmediate(uncork);
        return write.apply(this, args);
      }
      const accepted = write.apply(this, args);
      if (capped && performance.now() - since >= maxHoldMs) uncork();
      return accepted;
    } as typeof write;
  };
  redis.on('connect', patch);
  patch();
}
