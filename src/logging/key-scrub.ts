// Scrubs upstream keys (a deployment's upstream key, a judge's key) out of text that leaves the
// proxy: relayed upstream errors and log lines. Any run of MIN_RUN or more consecutive characters
// of a key is replaced, so an upstream that echoes `sk-UPSTREAM-A...` (a prefix, a middle part, the
// whole key) leaks none of it. Built once per key set at policy load; scrubbing is a scan of the
// text with one integer lookup per position, and a string lookup only where two characters match.

export const MIN_RUN = 8;
export const REDACTED_KEY = '[REDACTED]';

export interface KeyScrubber {
  /** True when there is no key to look for: `scrub` returns its text unchanged. */
  readonly empty: boolean;
  scrub(text: string): string;
  /**
   * For text arriving in pieces (a relayed stream): scrubs `text` and returns what can be sent now
   * and the tail to put before the next piece, since a key run may continue in it. With `final`,
   * nothing is held back.
   */
  scrubPiece(text: string, final: boolean): { readonly ready: string; readonly carry: string };
}

const NOTHING: KeyScrubber = Object.freeze({
  empty: true,
  scrub: (text: string) => text,
  scrubPiece: (text: string) => ({ ready: text, carry: '' }),
});

/** A scrubber for these keys (blank ones ignored; a key shorter than MIN_RUN is matched whole). */
export function createKeyScrubber(keys: readonly (string | null | undefined)[]): KeyScrubber {
  const grams = new Set<string>();
  const shortKeys = new Set<string>();
  for (const key of keys) {
    const value = key?.trim() ?? '';
    if (value === '') continue;
    if (value.length < MIN_RUN) shortKeys.add(value);
    for (let i = 0; i + MIN_RUN <= value.length; i += 1) grams.add(value.slice(i, i + MIN_RUN));
  }
  if (grams.size === 0 && shortKeys.size === 0) return NOTHING;
  // The first two UTF-16 units of every gram: most positions of ordinary text miss here.
  const heads = new Set<number>();
  for (const gram of grams) heads.add(pairAt(gram, 0));

  /** Covered [start, end) ranges of `text`, merged, in order. */
  const cover = (text: string): Array<[number, number]> => {
    const ranges: Array<[number, number]> = [];
    const add = (start: number, end: number) => {
      const last = ranges.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else ranges.push([start, end]);
    };
    for (let i = 0; i + MIN_RUN <= text.length; i += 1) {
      if (heads.has(pairAt(text, i)) && grams.has(text.slice(i, i + MIN_RUN))) add(i, i + MIN_RUN);
    }
    if (shortKeys.size === 0) return ranges;
    for (const key of shortKeys) {
      for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) ranges.push([at, at + key.length]);
    }
    return mergeSorted(ranges.sort((x, y) => x[0] - y[0]));
  };

  const render = (text: string, ranges: Array<[number, number]>, end: number): string => {
    let out = '';
    let at = 0;
    for (const [start, stop] of ranges) {
      if (start >= end) break;
      out += text.slice(at, start) + REDACTED_KEY;
      at = stop;
    }
    return at < end ? out + text.slice(at, end) : out;
  };

  return Object.freeze({
    empty: false,
    scrub(text: string): string {
      if (text.length === 0) return text;
      const ranges = cover(text);
      return ranges.length === 0 ? text : render(text, ranges, text.length);
    },
    scrubPiece(text: string, final: boolean) {
      const ranges = cover(text);
      // Hold back what a later piece could extend into a run: the last MIN_RUN - 1 characters (a
      // short key is shorter still), and the whole of a run that reaches into them, so a run is
      // always replaced in one piece (its length is at most a key's).
      let cut = final ? text.length : Math.max(0, text.length - (MIN_RUN - 1));
      for (const [start, stop] of ranges) if (start < cut && stop > cut) cut = start;
      return { ready: render(text, ranges, cut), carry: text.slice(cut) };
    },
  });
}

function pairAt(text: string, index: number): number {
  return (text.charCodeAt(index) << 16) | text.charCodeAt(index + 1);
}

function mergeSorted(ranges: Array<[number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
