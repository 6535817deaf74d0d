// A multi-process server: N worker processes share one port — SO_REUSEPORT where the transport
// has it (Bun.serve, uWebSockets.js on Linux), node:cluster for the core transport on Node — and
// this primary merges their counters exactly over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { selectServerTransport } from '../../adapters/server/index.js';
import { isChildToParent, isParentToChild, mergeStats, type ChildToParent, type ParentToChild } from './ipc.js';
import { workerServeArgv, type ServeOptions } from './serve-options.js';
import { printBanner, sendToParent } from './serve-command.js';
import type { ServerStats } from './stats.js';

/** One worker process as the primary sees it: a spawned child or a cluster worker. */
interface WorkerHandle {
  send(message: ParentToChild): void;
  onMessage(listener: (message: ChildToParent) => void): void;
  onExit(listener: (description: string) => void): void;
  kill(): void;
}

const MERGED_PUSH_INTERVAL_MS = 500;
const READY_TIMEOUT_MS = 15_000;

export async function runServerPrimary(options: ServeOptions): Promise<number> {
  const resolved = selectServerTransport(options.transport);
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
  const useCluster = resolved.transport.name === 'core' && !isBun;
  const script = process.argv[1] ?? '';
  const workers: WorkerHandle[] = [];
  let stopping = false;
  let statsRequestId = 0;
  const pendingStats = new Map<number, { parts: ServerStats[]; resolve: (stats: ServerStats) => void }>();

  const spawnWorker = (port: number): WorkerHandle => {
    const args = ['serve', ...workerServeArgv(options, port, resolved.transport.name)];
    if (useCluster) {
      cluster.setupPrimary({ exec: script, args });
      return clusterHandle(cluster.fork());
    }
    const child = spawn(process.execPath, [script, ...args, '--reuse-port'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return childHandle(child);
  };

  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of workers) worker.kill();
  };

  const startWorker = (port: number): Promise<{ handle: WorkerHandle; port: number; transport: ServerStats['transport'] }> =>
    new Promise((resolve, reject) => {
      const handle = spawnWorker(port);
      workers.push(handle);
      const timer = setTimeout(() => reject(new Error(`worker ${workers.length} not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      handle.onMessage((message) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve({ handle, port: message.port, transport: message.transport });
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(message.error));
        } else if (message.type === 'stats') {
          const pending = pendingStats.get(message.requestId);
          if (pending === undefined) return;
          pending.parts.push(message.stats);
          if (pending.parts.length === workers.length) {
            pendingStats.delete(message.requestId);
            pending.resolve(mergeStats(pending.parts, workers.length));
          }
        }
      });
      handle.onExit((description) => {
        clearTimeout(timer);
        reject(new Error(`worker exited before it was ready (${description})`));
        if (!stopping) {
          process.stderr.write(`wse-bench serve: a worker ${description}; stopping\n`);
          stopAll();
          process.exitCode = 1;
          if (process.connected) process.disconnect();
        }
      });
    });

  let port: number;
  let transportName: ServerStats['transport'];
  try {
    // with cluster every worker asks for the same (maybe 0) port and shares the primary's handle;
    // with SO_REUSEPORT the first worker picks the port and the others join it
    // uSockets sets SO_REUSEPORT only for a non-zero port, so port 0 is resolved here first
    const first = await startWorker(useCluster || options.port !== 0 ? options.port : await findFreePort(options.host));
    port = first.port;
    transportName = first.transport;
    const rest: Promise<unknown>[] = [];
    for (let i = 1; i < options.workers; i++) rest.push(startWorker(useCluster ? options.port : port));
    await Promise.all(rest);
  } catch (error) {
    stopAll();
    throw error;
  }

  const mergedStats = (): Promise<ServerStats> =>
    new Promise((resolve) => {
      const requestId = ++statsRequestId;
      pendingStats.set(requestId, {
        parts: [],
        resolve: (stats) => {
          // the primary's own (small) CPU time belongs to the server too
          const cpu = process.cpuUsage();
          stats.cpuUserMicros += cpu.user;
          stats.cpuSystemMicros += cpu.system;
          resolve(stats);
        },
      });
      for (const worker of workers) worker.send({ type: 'stats', requestId });
    });

  // every worker's GET /stats answers with the latest merged snapshot (its readAtMs tells its age)
  const pushTimer = setInterval(() => {
    void mergedStats().then((stats) => {
      for (const worker of workers) worker.send({ type: 'merged-stats', stats });
    });
  }, MERGED_PUSH_INTERVAL_MS);

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      clearInterval(pushTimer);
      stopAll();
      if (process.connected) process.disconnect();
      setTimeout(() => process.exit(0), 2000).unref();
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.ipc) {
      process.on('message', (message: unknown) => {
        if (isParentToChild(message) && message.type === 'stats') {
          const requestId = message.requestId;
          void mergedStats().then((stats) => sendToParent({ type: 'stats', requestId, stats }));
        }
      });
      process.on('disconnect', stop);
      sendToParent({ type: 'ready', port, transport: transportName, ...(resolved.note !== undefined ? { note: resolved.note } : {}) });
    } else {
      if (resolved.note !== undefined) process.stderr.write(`wse-bench serve: ${resolved.note}\n`);
      void printBanner(options, port, transportName, options.workers);
    }
  });
}

/** A port free right now on `host` (a throwaway listen on port 0). */
function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const port = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

function childHandle(child: ChildProcess): WorkerHandle {
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => {
      child.on('message', (message: unknown) => {
        if (isChildToParent(message)) listener(message);
      });
    },
    onExit: (listener) => {
      child.once('exit', (code, signal) => listener(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`));
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

function clusterHandle(worker: Worker): WorkerHandle {
  return {
    send: (message) => {
      if (worker.isConnected()) worker.send(message);
    },
    onMessage: (listener) => {
      worker.on('message', (message: unknown) => {
        if (isChildToParent(message)) listener(message);
      });
    },
    onExit: (listener) => {
      worker.once('exit', (code, signal) => listener(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    },
    kill: () => {
      if (!worker.isDead()) worker.process.kill('SIGTERM');
    },
  };
}
