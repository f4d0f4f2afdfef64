// Reads a request body as a JSON object within a byte limit: 413 when over it (checked on
// Content-Length, which the HTTP parser then holds the body to, or while streaming when there is
// none), 400 when it is not JSON, not an object, or nested deeper than any OpenAI request needs (a
// deeply nested body would otherwise overflow the stack of JSON.stringify when it is forwarded).

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject } from './json.ts';

/** Deepest object/array nesting accepted; real requests (tools with JSON schemas) stay far below. */
export const MAX_JSON_DEPTH = 64;

export async function readJsonObjectBody(request: Request, maxBytes: number): Promise<JsonObject> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  // A declared length within the limit bounds the body already (the HTTP parser reads no more),
  // so it is read whole: on Node that is @hono/node-server's direct read of the socket, without a
  // ReadableStream per request. Without one, a chunked body is counted while it streams.
  const text = Number.isFinite(declared) ? await readDeclaredText(request) : await readLimitedText(request, maxBytes);
  // A backstop where nothing framed the body by its header (an in-memory Request): more characters
  // than the limit's bytes is over it in any encoding.
  if (text.length > maxBytes) throw tooLarge(maxBytes);
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) {
    throw new HttpError(400, `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`, { code: 'request_too_deep' });
  }
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

/**
 * Deepest `{`/`[` nesting of a JSON text, in one pass that jumps over string contents with
 * indexOf (native speed: a 4 MB body is mostly strings, and a character loop over it held the
 * event loop for tens of milliseconds).
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      i = closingQuote(text, i + 1);
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/** Index of the quote that closes a string whose contents start at `from` (text.length when unterminated). */
function closingQuote(text: string, from: number): number {
  for (let at = text.indexOf('"', from); at !== -1; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}
