// Reads a request body as a JSON object within a byte limit: 413 when over it (checked on
// Content-Length, which the HTTP parser then holds the body to, or while streaming when there is
// none), 400 when it is not JSON, not an object, nested deeper than any OpenAI request needs (a
// deeply nested body would otherwise overflow the stack of JSON.stringify when it is forwarded), or
// over a route's count limits (checked on the text, before the parse).

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject } from './json.ts';
import { scanJsonShape, scanJsonShapeInSlices, type CountQuery, type JsonShape } from './json-shape.ts';
import { createSlicer } from '../slices.ts';

/** Deepest object/array nesting accepted; real requests (tools with JSON schemas) stay far below. */
export const MAX_JSON_DEPTH = 64;

/** Bodies longer than this are scanned in slices that yield to the event loop (a 4 MB body's scan takes 10-25 ms). */
const SLICED_SCAN_CHARS = 262_144;

/** Count limits a route checks on the body's shape, before it is parsed (validation/limits.ts). */
export interface BodyCountCheck {
  readonly query: CountQuery;
  /** Throws the route's 400 when a count is over its limit. */
  check(shape: JsonShape): void;
}

export async function readJsonObjectBody(request: Request, maxBytes: number, counts?: BodyCountCheck): Promise<JsonObject> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // A declared length within the limit bounds the body already (the HTTP parser reads no more),
  // so it is read whole: on Node that is @hono/node-server's direct read of the socket, without a
  // ReadableStream per request. Without one, a chunked body is counted while it streams.
  const slicer = createSlicer();
  const text = Number.isFinite(declared) ? await readDeclaredText(request) : await readLimitedText(request, maxBytes);
  // A backstop where nothing framed the body by its header (an in-memory Request): more characters
  // than the limit's bytes is over it in any encoding.
  if (text.length > maxBytes) throw tooLarge(maxBytes);
  // One pass over the text before JSON.parse: too deep or too many entries is refused without
  // building a single object.
  let shape: JsonShape;
  if (text.length > SLICED_SCAN_CHARS) {
    // Reading a 4 MB body (concatenating and decoding it) is a block of its own: yield after it.
    await slicer.yieldIfDue();
    shape = await scanJsonShapeInSlices(text, counts?.query, slicer.yieldIfDue);
  } else {
    shape = scanJsonShape(text, counts?.query);
  }
  if (shape.depth > MAX_JSON_DEPTH) {
    throw new HttpError(400, `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, { code: 'request_too_deep' });
  }
  counts?.check(shape);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.', { cause });
  }
  if (!isJsonObject(parsed)) throw new HttpError(400, 'The request body must be a JSON object.');
  return parsed;
}

async function readDeclaredText(request: Request): Promise<string> {
  try {
    return await request.text();
  } catch (cause) {
    throw new HttpError(400, 'The request body could not be read to its declared Content-Length.', { code: 'request_body_incomplete', cause });
  }
}

async function readLimitedText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${maxBytes} bytes.`, { code: 'request_too_large' });
}

/** Deepest `{`/`[` nesting of a JSON text (json-shape.ts's scan, counting nothing). */
export function jsonNestingDepth(text: string): number {
  return scanJsonShape(text).depth;
}
