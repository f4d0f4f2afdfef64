// The Workers OnnxSession: the moderation model run by onnxruntime-web (WebAssembly, one thread,
// no proxy worker). Workers refuse to compile WebAssembly from bytes at run time, so the ORT
// runtime arrives as a WebAssembly.Module the bundler compiled at deploy (`import ... from
// '*.wasm'`), and is instantiated from that module while ORT initialises (see instantiateFrom).

import * as ort from 'onnxruntime-web/wasm';
import type { ModelMetadata } from '../classifier/model-metadata.ts';
import { ortOnnxSession, type OnnxSession } from '../classifier/onnx-session.ts';

/**
 * The smallest valid wasm binary (magic and version, no sections). ORT is told this is its wasm
 * binary; its emscripten loader hands these bytes to WebAssembly.instantiate, which we answer from
 * the precompiled module instead. ORT 1.30 offers no option that takes a WebAssembly.Module
 * (`env.wasm.wasmBinary` is bytes, `wasmPaths` a URL), and the emscripten `instantiateWasm` hook
 * is not reachable through its config.
 */
const PLACEHOLDER_BINARY = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * Runs `create` (which initialises ORT's WebAssembly on its first call in an isolate) while
 * WebAssembly.instantiate answers the placeholder bytes from `wasm`; anything else passes through,
 * and the original is back in place when `create` settles.
 */
/** The part of the WebAssembly global used here, typed locally so this module checks under Node's types (the test) too. */
interface WebAssemblyApi {
  instantiate(source: unknown, imports?: object): Promise<unknown>;
}

/** A compiled WebAssembly.Module (opaque here). */
export type CompiledWasm = object;

async function withPrecompiledRuntime<T>(wasm: CompiledWasm, create: () => Promise<T>): Promise<T> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = PLACEHOLDER_BINARY;
  ort.env.logLevel = 'error';
  const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const original = api.instantiate;
  // instantiate(module) resolves to the Instance; emscripten expects instantiate(bytes)'s { instance, module }.
  const patched = (source: unknown, imports?: object) => {
    if (!isPlaceholder(source)) return original.call(api, source, imports);
    runtimeMemory = findMemory(imports);
    return original.call(api, wasm, imports).then((instance) => ({ instance, module: wasm }));
  };
  api.instantiate = patched;
  try {
    return await create();
  } finally {
    if (api.instantiate === patched) api.instantiate = original;
  }
}

/** ORT's wasm memory (emscripten creates it and passes it in as an import), for the heap figure. */
/**
 * Most id cells per ORT run on Workers (Node's DEFAULT_MAX_CELLS_PER_RUN is 4,096). ORT's wasm heap never shrinks
 * and the isolate has 128 MB: measured with this model, the heap is 81 MB once loaded and stays
 * there through a 100 KB text at 8,192 cells, but grows to 97 MB at 16,384, 188 MB at 32,768
 * and 758 MB at 262,144 (test/workers/onnx-web-session.test.ts keeps the first figure true).
 */
export const WORKERS_MAX_CELLS_PER_RUN = 8192;

let runtimeMemory: { buffer: ArrayBufferLike } | null = null;

function findMemory(imports: object | undefined): { buffer: ArrayBufferLike } | null {
  for (const module of Object.values(imports ?? {})) {
    for (const value of Object.values((module ?? {}) as object)) {
      if (value !== null && typeof value === 'object' && 'grow' in value && 'buffer' in value) return value as { buffer: ArrayBufferLike };
    }
  }
  return null;
}

/** Bytes of ORT's WebAssembly heap now (it only grows), or null before ORT initialised. */
export function ortHeapBytes(): number | null {
  return runtimeMemory ? runtimeMemory.buffer.byteLength : null;
}

function isPlaceholder(source: unknown): boolean {
  return source instanceof Uint8Array && source.byteLength === PLACEHOLDER_BINARY.byteLength && source.every((byte, i) => byte === PLACEHOLDER_BINARY[i]);
}

export interface WebSessionOptions {
  /** The ORT runtime, `onnxruntime-web/ort-wasm-simd-threaded.wasm` as a compiled module. */
  readonly wasm: CompiledWasm;
  /** The .onnx file's bytes. */
  readonly model: Uint8Array;
  readonly metadata: ModelMetadata;
}

/** Creates the ORT session over `model`; rejects with ORT's message when the model is refused. */
export async function createWebOnnxSession(options: WebSessionOptions): Promise<OnnxSession> {
  const session = await withPrecompiledRuntime(options.wasm, () =>
    ort.InferenceSession.create(options.model, { executionProviders: ['wasm'], executionMode: 'sequential', graphOptimizationLevel: 'all' }),
  );
  const tensor = (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => new ort.Tensor(type, data, dims);
  return ortOnnxSession(session, tensor, options.metadata);
}
