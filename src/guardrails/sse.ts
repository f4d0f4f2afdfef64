// Splits a server-sent event stream (WHATWG HTML, "Parsing an event stream") into events as bytes
// arrive: lines end in CRLF, LF or CR and are normalised to LF; a chunk that ends in CR may be half
// of a CRLF, so that CR waits for the next chunk. Events come out without their blank-line end.

import { jsonNestingDepth, MAX_JSON_DEPTH } from '../http/json-body.ts';
import { isJsonObject, type JsonObject } from '../http/json.ts';

export interface SseSplitter {
  /** The complete events in `bytes` plus what was buffered before. */
  push(bytes: Uint8Array): string[];
  /** The last event when the stream ended without a blank line, if any. */
  flush(): string[];
}

export function createSseSplitter(): SseSplitter {
  const decoder = new TextDecoder();
  let buffered = '';
  let pendingCR = '';
  const append = (text: string, final: boolean) => {
    let joined = pendingCR + text;
    pendingCR = '';
    if (!final && joined.endsWith('\r')) {
      pendingCR = '\r';
      joined = joined.slice(0, -1);
    }
    buffered += joined.replace(/\r\n?/g, '\n');
  };
  const take = (): string[] => {
    const events: string[] = [];
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      events.push(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
    }
    return events;
  };
  return {
    push(bytes) {
      append(decoder.decode(bytes, { stream: true }), false);
      return take();
    },
    flush() {
      append(decoder.decode(), true);
      const events = take();
      if (buffered.trim() !== '') events.push(buffered);
      buffered = '';
      return events;
    },
  };
}

/** The `data:` payload of an event (its data lines joined by LF), or null when it has none. */
export function eventData(event: string): string | null {
  const lines = event.split('\n').filter((line) => line.startsWith('data:'));
  if (lines.length === 0) return null;
  return lines.map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
}

/**
 * An event payload as a JSON object, or null when it is malformed: bad JSON, not an object, or nested
 * too deep to clone or serialise without overflowing the stack.
 */
export function parseEventObject(payload: string): JsonObject | null {
  if (jsonNestingDepth(payload) > MAX_JSON_DEPTH) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  return isJsonObject(parsed) ? parsed : null;
}
