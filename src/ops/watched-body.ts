// A body relayed chunk by chunk while something watches it: told of its first chunk and, once, of
// how it ended (read to its end, failed, or cancelled by its reader). For what ends with a body
// rather than with its headers: the request span of a stream (tracing.ts), the upstream call's
// span and latency (src/proxy/upstream-telemetry.ts).

export type BodyOutcome = 'done' | 'error' | 'cancelled';

/** One read of the source (spelled out: the Workers types and lib DOM name the result differently). */
type Read = { done: true; value?: undefined } | { done: false; value: Uint8Array };

export interface BodyWatch {
  onFirstChunk?(): void;
  onEnd(outcome: BodyOutcome): void;
  /** Runs each read of the source (e.g. inside a trace context); a plain call by default. */
  runRead?(read: () => Promise<Read>): Promise<Read>;
}

export function watchBody(body: ReadableStream<Uint8Array>, watch: BodyWatch): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const read = () => reader.read() as Promise<Read>;
  let first = true;
  let ended = false;
  const end = (outcome: BodyOutcome) => {
    if (ended) return;
    ended = true;
    watch.onEnd(outcome);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await (watch.runRead ? watch.runRead(read) : read());
        if (chunk.done) {
          end('done');
          controller.close();
          return;
        }
        if (first) {
          first = false;
          watch.onFirstChunk?.();
        }
        controller.enqueue(chunk.value);
      } catch (error) {
        end('error');
        controller.error(error);
      }
    },
    cancel(reason) {
      end('cancelled');
      return reader.cancel(reason);
    },
  });
}
