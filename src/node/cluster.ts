// `WORKERS=N` for `npm start`: a node:cluster primary that forks N copies of the proxy, which share
// one listening socket (the primary hands out connections). Each worker is the whole proxy (its own
// policies, guards and classifier), so guard throughput grows with cores; the primary serves
// nothing. It forwards SIGTERM/SIGINT (graceful stop) and SIGHUP to the workers, replaces a worker
// that dies after it was serving, and exits non-zero when one fails to start (a bad configuration
// fails every worker the same way; the worker has already said why on stderr).

import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../logging/logger.ts';

export interface ClusterOptions {
  workers: number;
  logger: Logger;
}

/** Runs in the primary until every worker has stopped; resolves with the exit code. */
export function runClusterPrimary(options: ClusterOptions): Promise<number> {
  const { logger } = options;
  const serving = new Set<Worker>();
  // Our own count of live workers: cluster.workers keeps a worker until it has both exited and
  // disconnected, in either order, so at its 'exit' event the last one may still be listed.
  const live = new Set<Worker>();
  let stopping = false;
  let listening = 0;

  return new Promise((resolve) => {
    const finish = (code: number) => {
      if (live.size === 0) resolve(code);
    };
    const fork = () => {
      const worker = cluster.fork();
      live.add(worker);
      worker.once('listening', (address) => {
        serving.add(worker);
        listening++;
        if (listening === options.workers) logger.info({ workers: options.workers, port: address.port }, 'guardrail proxy cluster serving');
      });
      return worker;
    };
    cluster.on('exit', (worker, code, signal) => {
      const wasServing = serving.delete(worker);
      live.delete(worker);
      if (stopping) return finish(0);
      if (!wasServing) {
        // Failed before it could serve: a configuration error the others hit too. Stop them all.
        stopping = true;
        for (const other of live) other.process.kill('SIGTERM');
        resolve(code || 1);
        return;
      }
      logger.error({ pid: worker.process.pid, code, signal }, 'proxy worker died; starting a replacement');
      fork();
    });
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping the proxy workers');
      for (const worker of live) worker.process.kill('SIGTERM');
      finish(0);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // Policy reloads are each worker's own; pass the signal on.
    process.on('SIGHUP', () => {
      for (const worker of live) worker.process.kill('SIGHUP');
    });
    for (let i = 0; i < options.workers; i++) fork();
  });
}

export const isClusterPrimary = (): boolean => cluster.isPrimary;
