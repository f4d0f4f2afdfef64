// The Node entry (`src/node/main.ts`) as a real child process for tests. Each one runs in its own
// process group (`detached`), so a test that fails or times out can kill the entry and every
// cluster worker it forked with one signal; `useProxyProcesses` does that after each test, whatever
// the test's outcome. Readiness is event-based: wait for a log line, with a generous deadline that
// names what was awaited and shows the output, never a fixed sleep.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starting a proxy loads the classifier; on a loaded 2-core machine that can take many seconds. */
export const PROXY_START_TIMEOUT_MS = 90_000;

export type LogLine = Record<string, unknown>;

export interface ProxyProcess {
  readonly child: ChildProcess;
  /** The entry's pid; also its process group id. */
  readonly pid: number;
  /** Every JSON line the process wrote to stdout so far, parsed. */
  readonly lines: LogLine[];
  /** stdout and stderr as written, for failure messages. */
  output(): string;
  stderr(): string;
  /** Resolves when the process has exited, with its code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Resolves once `test` holds over the lines; rejects on exit or after `timeoutMs`. */
  waitFor(what: string, test: (lines: LogLine[]) => boolean, timeoutMs?: number): Promise<void>;
  /** SIGKILL to the whole process group (entry and workers); resolves once the entry has exited. */
  killGroup(): Promise<void>;
}

const live = new Set<ProxyProcess>();

function killGroupNow(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

// Last resort if the test runner exits without running hooks: 'exit' handlers may only do
// synchronous work, and process.kill is synchronous.
process.once('exit', () => {
  for (const proxy of live) killGroupNow(proxy.pid);
});

/** Spawns `node --import tsx src/node/main.ts` with only PATH, HOME and `env` in its environment. */
export function spawnProxyProcess(env: Record<string, string>): ProxyProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not spawn the proxy process');
  const pid = child.pid;
  const lines: LogLine[] = [];
  let output = '';
  let stderr = '';
  let buffered = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    buffered += text;
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    for (const line of complete) {
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      hasExited = true;
      notify();
      resolve(code);
    }),
  );

  const proxy: ProxyProcess = {
    child,
    pid,
    lines,
    output: () => output,
    stderr: () => stderr,
    exited,
    waitFor(what, test, timeoutMs = PROXY_START_TIMEOUT_MS) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (test(lines)) done();
          else if (hasExited) done(new Error(`proxy exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${output}`));
        };
        const timer = setTimeout(() => done(new Error(`no ${what} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async killGroup() {
      // The group outlives its leader (orphaned workers keep it), so signal it even after an exit.
      killGroupNow(pid);
      live.delete(proxy);
      await exited;
    },
  };
  live.add(proxy);
  void exited.then(() => {
    if (!groupAlive(pid)) live.delete(proxy);
  });
  return proxy;
}

/** Whether any process of the group is still there (zombies included, which is conservative). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the entry to its exit (a start-up refusal), killing its group if it runs past `timeoutMs`. */
export async function runProxyToExit(env: Record<string, string>, timeoutMs = PROXY_START_TIMEOUT_MS): Promise<{ code: number | null; stderr: string }> {
  const proxy = spawnProxyProcess(env);
  const timer = setTimeout(() => void proxy.killGroup(), timeoutMs);
  try {
    const code = await proxy.exited;
    return { code, stderr: proxy.stderr() };
  } finally {
    clearTimeout(timer);
    await proxy.killGroup();
  }
}

/**
 * Registers an afterEach that kills every proxy process group the suite's tests spawned and still
 * runs, whether the test passed, failed or timed out (a timed-out test never reaches its finally).
 */
export function useProxyProcesses(): typeof spawnProxyProcess {
  const spawned: ProxyProcess[] = [];
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((proxy) => proxy.killGroup()));
  });
  return (env) => {
    const proxy = spawnProxyProcess(env);
    spawned.push(proxy);
    return proxy;
  };
}
