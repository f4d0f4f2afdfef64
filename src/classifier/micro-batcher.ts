// Micro-batching: concurrent classify() calls that arrive within one turn of the event loop (or
// within `maxWaitMs`) are scored as one batch, so many small requests share one ONNX run.
// Runtime-independent (setTimeout/queueMicrotask only).

export interface MicroBatcherOptions<In, Out> {
  /** Scores a whole batch; one output per input, in order. */
  readonly run: (inputs: readonly In[]) => Promise<Out[]>;
  /** Flush as soon as this many inputs are pending. */
  readonly maxBatch: number;
  /** How long the first pending input may wait for company; 0 = until the current turn ends. */
  readonly maxWaitMs: number;
}

/** Node's setImmediate where the runtime has one (read off globalThis: this module is runtime-free). */
const runAfterIo = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

interface Pending<In, Out> {
  readonly inputs: readonly In[];
  readonly resolve: (outputs: Out[]) => void;
  readonly reject: (error: unknown) => void;
}

export class MicroBatcher<In, Out> {
  private queue: Pending<In, Out>[] = [];
  private queued = 0;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly options: MicroBatcherOptions<In, Out>;

  constructor(options: MicroBatcherOptions<In, Out>) {
    this.options = options;
  }

  submit(inputs: readonly In[]): Promise<Out[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise<Out[]>((resolve, reject) => {
      this.queue.push({ inputs, resolve, reject });
      this.queued += inputs.length;
      if (this.queued >= this.options.maxBatch) this.flush();
      else if (!this.scheduled) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = true;
    if (this.options.maxWaitMs > 0) this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    // setImmediate runs after pending I/O callbacks of this turn (Node); setTimeout(0) elsewhere.
    else if (runAfterIo) runAfterIo(() => this.flush());
    else this.timer = setTimeout(() => this.flush(), 0);
  }

  /** Run everything pending now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.queued = 0;
    if (batch.length === 0) return;
    const inputs = batch.flatMap((p) => p.inputs);
    this.options.run(inputs).then(
      (outputs) => {
        let offset = 0;
        for (const p of batch) {
          p.resolve(outputs.slice(offset, offset + p.inputs.length));
          offset += p.inputs.length;
        }
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }
}
