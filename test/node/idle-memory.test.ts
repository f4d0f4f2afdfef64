// Memory given back after a quiet spell (src/node/idle-memory.ts): the release runs once nothing
// has been in flight for idleMs after some work, never while work is in flight, and not again until
// more work came; the release itself shrinks a grown V8 heap; the server and each classifier
// thread do it on their own.

import { describe, expect, it } from 'vitest';
import { DEFAULT_CLASSIFIER_MODEL } from '../../src/node/classifier.ts';
import { loadThreadedClassifier } from '../../src/node/classifier-thread.ts';
import { createIdleMemoryRelease, releaseHeapMemory } from '../../src/node/idle-memory.ts';
import { startTestStack } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createIdleMemoryRelease', () => {
  it('releases once after idleMs without work in flight, and again only after more work', async () => {
    let calls = 0;
    const idle = createIdleMemoryRelease({ idleMs: 60, release: async () => void calls++ });
    try {
      await sleep(200);
      expect(calls).toBe(0); // nothing ran yet: nothing to give back
      idle.begin();
      await sleep(200);
      expect(calls).toBe(0); // still in flight
      idle.end();
      await until(() => calls === 1);
      await sleep(200);
      expect(calls).toBe(1);
      expect(idle.releases).toBe(1);
      idle.begin();
      idle.end();
      await until(() => calls === 2);
    } finally {
      idle.close();
    }
  });

  it('is off at 0, and reports a failed release without trying it again', async () => {
    let calls = 0;
    const off = createIdleMemoryRelease({ idleMs: 0, release: async () => void calls++ });
    off.begin();
    off.end();
    const errors: unknown[] = [];
    const failing = createIdleMemoryRelease({ idleMs: 40, release: () => Promise.reject(new Error('no inspector')), onError: (error) => errors.push(error) });
    try {
      failing.begin();
      failing.end();
      await until(() => errors.length === 1);
      await sleep(200);
      expect(errors).toHaveLength(1);
      expect(failing.releases).toBe(0);
      expect(calls).toBe(0);
    } finally {
      off.close();
      failing.close();
    }
  });
});

describe('releaseHeapMemory', () => {
  it('gives back the heap a burst of garbage grew', async () => {
    await releaseHeapMemory();
    const before = process.memoryUsage().heapTotal;
    let keep: unknown[] = [];
    for (let i = 0; i < 600_000; i++) keep.push({ i, text: `row ${i} `.repeat(4) });
    const grown = process.memoryUsage().heapTotal;
    expect(grown).toBeGreaterThan(before + 50 * 2 ** 20);
    keep = [];
    await releaseHeapMemory();
    expect(process.memoryUsage().heapTotal).toBeLessThan(grown - 40 * 2 ** 20);
    expect(keep).toHaveLength(0);
  });
});

describe('in the server and the classifier threads', () => {
  it('the server releases once after a request and a quiet spell, and logs it', async () => {
    const stack = await startTestStack({ ops: { idleMemoryReleaseMs: 150 } });
    try {
      const released = () => stack.logLines.filter((line) => line.includes('idle: heap memory given back')).length;
      await sleep(400);
      expect(released()).toBe(0);
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
      await until(() => released() === 1);
      await sleep(400);
      expect(released()).toBe(1);
    } finally {
      await stack.close();
    }
  });

  it('each classifier thread releases after its own quiet spell, once per spell', async () => {
    const pool = await loadThreadedClassifier({ modelPath: DEFAULT_CLASSIFIER_MODEL, threads: 1, idleReleaseMs: 100 });
    try {
      expect(pool.stats().memoryReleases).toBe(0);
      await pool.classify(['a quiet afternoon']);
      await until(() => pool.stats().memoryReleases === 1);
      await sleep(400);
      expect(pool.stats().memoryReleases).toBe(1);
      await pool.classify(['another text']);
      await until(() => pool.stats().memoryReleases === 2);
    } finally {
      await pool.close?.();
    }
  });
});
