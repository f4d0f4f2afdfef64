// The shape of a JSON text read before it is parsed: its deepest nesting and the element counts of
// a few arrays (a chat's `messages` and each message's `content` parts, a moderation's `input`).
// JSON.parse of a 4 MB body of 50,000 small objects holds the event loop for 20-30 ms and builds
// every object; counting first lets an over-limit body be refused without either. One pass that
// jumps over string contents with indexOf, as the nesting scan always did.

/** Which arrays to count: top-level members by name, and within each of their object elements, member arrays by name. */
export interface CountQuery {
  readonly members: readonly string[];
  readonly nested: readonly string[];
}

/** One occurrence of a counted top-level array. */
export interface CountedArray {
  /** Its element count. */
  length: number;
  /** Per element: the summed lengths of its array members named in `nested` (0 for none, or for an element that is no object). */
  readonly parts: number[];
}

export interface JsonShape {
  /** Deepest `{`/`[` nesting (0 for a bare scalar). */
  readonly depth: number;
  /** Each counted member name's arrays, in the order they occur (a duplicated key gives two; JSON.parse keeps the last, a check should weigh every one). */
  readonly arrays: ReadonlyMap<string, readonly CountedArray[]>;
}

const NOTHING: CountQuery = { members: [], nested: [] };

/** Characters scanned between two checks of the clock in the sliced scan (well under a millisecond). */
const CHUNK_CHARS = 262_144;

/**
 * Scans `text` once. Exact for valid JSON (keys are decoded, so an escaped `"mess\u0061ges"` is
 * still `messages`); for text that is not JSON the counts mean little, and the parse that follows
 * refuses it anyway.
 */
export function scanJsonShape(text: string, query: CountQuery = NOTHING): JsonShape {
  const scanner = new ShapeScanner(text, query);
  scanner.scan(text.length);
  return scanner.shape();
}

/**
 * The same scan in slices: `pause()` is awaited between chunks and yields to the event loop when
 * its slice is spent (src/slices.ts), so a 4 MB body never holds other requests up for the
 * whole of its scan.
 */
export async function scanJsonShapeInSlices(text: string, query: CountQuery = NOTHING, pause: () => Promise<void>): Promise<JsonShape> {
  const scanner = new ShapeScanner(text, query);
  for (let until = CHUNK_CHARS; !scanner.scan(until); until += CHUNK_CHARS) await pause();
  return scanner.shape();
}

/** The scan's state between chunks; `scan` keeps it in locals while it runs. */
class ShapeScanner {
  private readonly arrays = new Map<string, CountedArray[]>();
  private readonly counting: boolean;
  private at = 0;
  private depth = 0;
  private deepest = 0;
  // Depth 1: the top-level value; whether it is an object, whether a key is awaited, the member being read and whether it is counted.
  private topIsObject = false;
  private awaitKey1 = false;
  private topKey = '';
  private topCounted = false;
  // Depth 2: the counted array being read (null: none) and whether an element is awaited.
  private counted: CountedArray | null = null;
  private awaitValue2 = false;
  // Depth 3: whether the current element is an object, whether a key is awaited, whether its member being read is nested-counted.
  private elementIsObject = false;
  private awaitKey3 = false;
  private nestedCounted = false;
  // Depth 4: whether a nested-counted array is open, and whether an element is awaited.
  private nestedOpen = false;
  private awaitValue4 = false;

  constructor(
    private readonly text: string,
    private readonly query: CountQuery,
  ) {
    this.counting = query.members.length > 0;
  }

  shape(): JsonShape {
    return { depth: this.deepest, arrays: this.arrays };
  }

  /** Scans on to character `until` (or past it, to the end of a string); true once the text is done. */
  scan(until: number): boolean {
    const { text, query, counting } = this;
    const end = Math.min(until, text.length);
    let { depth, deepest, topIsObject, awaitKey1, topKey, topCounted, counted, awaitValue2, elementIsObject, awaitKey3, nestedCounted, nestedOpen, awaitValue4 } = this;
    let i = this.at;
    for (; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) continue;
      if (counted !== null) {
        // The first character of an element (not the array's close): one more element.
        if (depth === 2 && awaitValue2 && code !== 0x5d) {
          counted.length++;
          counted.parts.push(0);
          awaitValue2 = false;
        } else if (depth === 4 && nestedOpen && awaitValue4 && code !== 0x5d) {
          counted.parts[counted.length - 1]!++;
          awaitValue4 = false;
        }
      }
      if (code === 0x22) {
        const close = closingQuote(text, i + 1);
        if (counting) {
          if (depth === 1 && awaitKey1) {
            topKey = keyAt(text, i, close);
            topCounted = query.members.includes(topKey);
            awaitKey1 = false;
          } else if (depth === 3 && awaitKey3) {
            nestedCounted = query.nested.includes(keyAt(text, i, close));
            awaitKey3 = false;
          }
        }
        i = close;
      } else if (code === 0x7b || code === 0x5b) {
        depth++;
        if (depth > deepest) deepest = depth;
        if (!counting || depth > 4) continue;
        const isObject = code === 0x7b;
        if (depth === 1) {
          topIsObject = isObject;
          awaitKey1 = isObject;
        } else if (depth === 2) {
          if (!isObject && topIsObject && topCounted) {
            counted = { length: 0, parts: [] };
            const list = this.arrays.get(topKey);
            if (list) list.push(counted);
            else this.arrays.set(topKey, [counted]);
            awaitValue2 = true;
          }
        } else if (depth === 3) {
          elementIsObject = counted !== null && isObject;
          awaitKey3 = elementIsObject;
          nestedCounted = false;
        } else {
          nestedOpen = elementIsObject && nestedCounted && !isObject;
          awaitValue4 = nestedOpen;
        }
      } else if (code === 0x7d || code === 0x5d) {
        if (depth === 2) counted = null;
        else if (depth === 3) elementIsObject = false;
        else if (depth === 4) nestedOpen = false;
        depth--;
      } else if (code === 0x2c && counting) {
        if (depth === 1) awaitKey1 = topIsObject;
        else if (depth === 2) awaitValue2 = counted !== null;
        else if (depth === 3) awaitKey3 = elementIsObject;
        else if (depth === 4) awaitValue4 = nestedOpen;
      }
    }
    Object.assign(this, { at: i, depth, deepest, topIsObject, awaitKey1, topKey, topCounted, counted, awaitValue2, elementIsObject, awaitKey3, nestedCounted, nestedOpen, awaitValue4 });
    return i >= text.length;
  }
}

/** The key whose quoted form spans `open`..`close`, decoded when it holds an escape. */
function keyAt(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(text.slice(open, close + 1)) as string;
  } catch {
    return raw;
  }
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
