// A real redis-server for tests (Debian's package; .ci/run installs it): started on a free loopback
// port with no persistence, stopped (and restartable on the same port) by the test. Absent
// redis-server fails the test with a clear message instead of skipping it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { unusedLoopbackPort } from './ports.ts';

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM, then waits for the process to exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error('redis-server is not installed: these tests need a real Redis. Install it (Debian: apt-get install -y redis-server); .ci/run does so in CI.');
  }
  return path;
}


export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = await unusedLoopbackPort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const started = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitForPing(port, () => (started.exitCode !== null ? `redis-server exited (${started.exitCode}): ${stderr}` : null));
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
    start,
  };
}

/** Resolves once something answers PING with PONG on the port; `failed` says why to stop waiting. */
async function waitForPing(port: number, failed: () => string | null): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port}`);
}
