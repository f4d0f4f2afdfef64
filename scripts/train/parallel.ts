// Replicas across child processes: the parent forks `parallel` copies of train.ts with
// `--replica-worker`, each trains every parallel-th replica and sends its weights back over IPC.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureGlove } from './glove.ts';
import type { ModelParams } from './model.ts';
import { REPO_ROOT } from './options.ts';
import type { TrainOptions } from './options.ts';
import { log, setLogPrefix } from './report.ts';

/** The script a child runs: the trainer itself, with the parent's flags plus `--replica-worker`. */
const TRAIN_SCRIPT = fileURLToPath(new URL('./train.ts', import.meta.url));

export interface ReplicaResult {
  /** The weights `--pick` selects. */
  chosen: ModelParams;
  losses: number[];
  gloveFound: number;
}

/** Trains replica `r` (seed + r) in this process, on data and GloVe rows loaded once beforehand. */
export type ReplicaTrainer = (replica: number) => ReplicaResult;

interface WorkerMessage {
  replica: number;
  result: ReplicaResult;
}

/**
 * Child-process mode (`--replica-worker 0,2,4`): the caller has loaded the data and GloVe once;
 * train those replicas one after another, sending each one's weights to the parent as it finishes.
 */
export async function runWorker(replicas: number[], trainHere: ReplicaTrainer): Promise<void> {
  for (const replica of replicas) {
    setLogPrefix(`[replica ${replica + 1}] `);
    const result = trainHere(replica);
    await new Promise<void>((done, fail) => process.send!({ replica, result } satisfies WorkerMessage, (error: Error | null) => (error ? fail(error) : done())));
  }
  process.disconnect();
}

/** Train `replicas` in one child process (same script, same options); resolves with their weights by replica. */
export function trainInChild(argv: string[], replicas: number[]): Promise<Map<number, ReplicaResult>> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(TRAIN_SCRIPT, [...argv, '--replica-worker', replicas.join(',')], {
      execArgv: process.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const results = new Map<number, ReplicaResult>();
    child.on('message', (message) => {
      const { replica, result } = message as WorkerMessage;
      results.set(replica, result);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const missing = replicas.filter((r) => !results.has(r));
      if (missing.length === 0) resolvePromise(results);
      else reject(new Error(`replica ${missing[0]! + 1} was not trained: its process exited with code ${code}`));
    });
  });
}

/**
 * Every replica, in `parallel` child processes (one per core by default), each loading the data
 * once and training every parallel-th replica; results in replica order. A replica's weights
 * depend only on its seed, not on which process trains it. With one replica or `--parallel 1`
 * they train here, one after another, on the trainer `inProcess` sets up (loading GloVe once).
 */
export async function trainReplicas(options: TrainOptions, argv: string[], inProcess: () => ReplicaTrainer): Promise<ReplicaResult[]> {
  if (options.replicas === 1 || options.parallel <= 1) {
    const trainHere = inProcess();
    return Array.from({ length: options.replicas }, (_, r) => {
      if (options.replicas > 1) log(`replica ${r + 1} of ${options.replicas} (seed ${options.seed + r})`);
      return trainHere(r);
    });
  }
  if (options.glove) ensureGlove(REPO_ROOT, log); // install once, before the children race for it
  const lanes = Math.min(options.parallel, options.replicas);
  log(`training ${options.replicas} replicas in ${lanes} processes (seeds ${options.seed}…${options.seed + options.replicas - 1})`);
  const assigned = Array.from({ length: lanes }, (_, lane) => Array.from({ length: options.replicas }, (_, r) => r).filter((r) => r % lanes === lane));
  const byLane = await Promise.all(assigned.map((replicas) => trainInChild(argv, replicas)));
  return Array.from({ length: options.replicas }, (_, r) => byLane[r % lanes]!.get(r)!);
}
