// A multi-process server: N worker processes share one port — SO_REUSEPORT where the transport
// has it (Bun.serve, uWebSockets.js on Linux), node:cluster for the core transport on Node — and
// this primary merges their counters exactly over IPC.
import cluster from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { isBun } from '../../adapters/runtime.js';
import { selectServerTransport } from '../../adapters/server/index.js';
import type { ServedTransportName } from '../options/choices.js';
import { environmentWithSecret, SECRET_ENV } from '../options/layers.js';
import { ChildHandle } from '../process/child.js';
import { EXIT_FAILED, EXIT_OK } from '../process/exit-codes.js';
import { isIpcMessage, sendToParent } from '../process/ipc.js';
import { openAdminListener, type AdminListener } from './admin-listener.js';
import { TokenVerifier } from './auth.js';
import { printBanner } from './banner.js';
import { mergeStats, type ChildToParent, type ParentToChild } from './ipc.js';
import { workerServeArgv, type ServeOptions } from './serve-options.js';
import type { ServerStats } from './stats.js';
import { WorkerPublisherControl } from './worker-publisher.js';

/** One worker process as the primary sees it: a spawned child or a cluster worker's process. */
type ServeWorker = ChildHandle<ChildToParent, ParentToChild>;

const MERGED_PUSH_INTERVAL_MS = 500;
const READY_TIMEOUT_MS = 15_000;

export async function runServerPrimary(options: ServeOptions): Promise<number> {
  const resolved = selectServerTransport(options.transport);
  const useCluster = resolved.transport.name === 'core' && !isBun();
  const script = process.argv[1] ?? '';
  const workers: ServeWorker[] = [];
  let stopping = false;
  let statsRequestId = 0;
  const pendingStats = new Map<number, { parts: ServerStats[]; resolve: (stats: ServerStats) => void }>();
  const publisher = new WorkerPublisherControl(workers);

  const spawnWorker = (port: number): ServeWorker => {
    const args = ['serve', ...workerServeArgv(options, port, resolved.transport.name)];
    const what = `worker ${workers.length + 1}`;
    if (useCluster) {
      cluster.setupPrimary({ exec: script, args });
      return new ChildHandle(cluster.fork({ [SECRET_ENV]: options.secret }).process, what);
    }
    return ChildHandle.spawn([script, ...args, '--reuse-port'], what, { stdio: ['ignore', 'inherit', 'inherit'], env: environmentWithSecret(options.secret) });
  };

  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of workers) worker.kill();
  };

  const startWorker = async (port: number): Promise<{ port: number; transport: ServedTransportName }> => {
    const worker = spawnWorker(port);
    workers.push(worker);
    worker.onMessage((message) => {
      if (publisher.handle(message) || message.type !== 'stats') return;
      const pending = pendingStats.get(message.requestId);
      if (pending === undefined) return;
      pending.parts.push(message.stats);
      if (pending.parts.length === workers.length) {
        pendingStats.delete(message.requestId);
        pending.resolve(mergeStats(pending.parts, workers.length));
      }
    });
    worker.onExit((description) => {
      if (stopping) return;
      process.stderr.write(`wse-bench serve: a worker ${description}; stopping\n`);
      stopAll();
      process.exitCode = EXIT_FAILED;
      if (process.connected) process.disconnect();
    });
    return worker.waitUntilReady((message) => {
      if (message.type === 'failed') throw new Error(message.error);
      return message.type === 'ready' ? { port: message.port, transport: message.transport } : undefined;
    }, READY_TIMEOUT_MS);
  };

  let port: number;
  let transportName: ServedTransportName;
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

  let admin: AdminListener | undefined;
  try {
    admin = await openAdminListener(options.host, options.metricsPort, port, {
      stats: mergedStats,
      publisher,
      verifier: new TokenVerifier({ secret: options.secret, issuer: options.issuer, audience: options.audience }),
    });
  } catch (error) {
    stopAll();
    throw error;
  }

  // every worker's GET /stats answers with the latest merged snapshot (its readAtMs tells its age)
  const pushTimer = setInterval(() => {
    void mergedStats().then((stats) => {
      for (const worker of workers) worker.send({ type: 'merged-stats', stats });
    });
  }, MERGED_PUSH_INTERVAL_MS);

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      clearInterval(pushTimer);
      void admin?.close();
      stopAll();
      if (process.connected) process.disconnect();
      setTimeout(() => process.exit(EXIT_OK), 2000).unref();
      resolve(EXIT_OK);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.ipc) {
      process.on('message', (message: unknown) => {
        if (isIpcMessage<ParentToChild>(message) && message.type === 'stats') {
          const requestId = message.requestId;
          void mergedStats().then((stats) => sendToParent<ChildToParent>({ type: 'stats', requestId, stats }));
        }
      });
      process.on('disconnect', stop);
      sendToParent<ChildToParent>({
        type: 'ready', port, transport: transportName, ...(resolved.note !== undefined ? { note: resolved.note } : {}), ...(admin !== undefined ? { metricsPort: admin.port } : {}),
      });
    } else {
      if (resolved.note !== undefined) process.stderr.write(`wse-bench serve: ${resolved.note}\n`);
      void printBanner(options, port, transportName, options.workers, admin?.port);
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
