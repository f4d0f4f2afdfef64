// The pull loop every guarded SSE relay shares: reads the upstream body with an idle timeout, splits
// it into events (sse.ts), hands them to the endpoint's handler, and ends the stream with that
// endpoint's error event when the upstream stalls, resets or sends something malformed. Pull-based:
// nothing is read ahead of what the client takes.

import { createSseSplitter } from './sse.ts';

export interface SseRelayControl {
  enqueue(text: string): void;
  /** Ends the stream with an error event and cancels the upstream. */
  fail(message: string, code: string): true;
  /** Ends the stream normally. */
  close(): true;
  /** Stops reading the upstream (a blocked answer): the upstream request is aborted. */
  cancelUpstream(reason: string): Promise<void>;
}

export interface SseRelayOptions {
  /** Longest wait for the next upstream chunk before the stream ends with an error event. */
  readonly idleTimeoutMs: number;
  /** The endpoint's error event (its SDK raises it as an APIError). */
  readonly errorEvent: (message: string, code: string) => string;
  /** Handles complete events; returns true once it closed the stream. */
  readonly onEvents: (control: SseRelayControl, events: readonly string[]) => Promise<boolean>;
  /** The upstream ended (after its last events were handled); must close the stream. */
  readonly onEnd: (control: SseRelayControl) => Promise<void>;
}

class IdleTimeout extends Error {}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

const encoder = new TextEncoder();

export function relayGuardedSse(upstream: ReadableStream<Uint8Array>, options: SseRelayOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const splitter = createSseSplitter();
  let closed = false;

  async function read(): Promise<ReadResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new IdleTimeout()), options.idleTimeoutMs);
        }),
      ]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const control: SseRelayControl = {
        enqueue: (text) => controller.enqueue(encoder.encode(text)),
        fail(message, code) {
          void reader.cancel(message).catch(() => {});
          controller.enqueue(encoder.encode(options.errorEvent(message, code)));
          closed = true;
          controller.close();
          return true;
        },
        close() {
          closed = true;
          controller.close();
          return true;
        },
        cancelUpstream: (reason) => reader.cancel(reason).catch(() => {}),
      };
      while (!closed) {
        const size = controller.desiredSize;
        let result: ReadResult;
        try {
          result = await read();
        } catch (error) {
          if (error instanceof IdleTimeout) control.fail(`The upstream sent nothing for ${options.idleTimeoutMs} ms.`, 'upstream_idle_timeout');
          else control.fail('The upstream stream failed before it finished.', 'upstream_stream_error');
          return;
        }
        if (result.done) {
          if (await options.onEvents(control, splitter.flush())) return;
          await options.onEnd(control);
          return;
        }
        if (await options.onEvents(control, splitter.push(result.value))) return;
        if (controller.desiredSize !== size) return;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
