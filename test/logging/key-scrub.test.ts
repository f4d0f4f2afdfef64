// The key scrubber: every run of 8+ characters of a key replaced, in one text and across the
// pieces of a stream, with nothing else touched.

import { describe, expect, it } from 'vitest';
import { createKeyScrubber, MIN_RUN, REDACTED_KEY } from '../../src/logging/key-scrub.ts';

const KEY = 'sk-UPSTREAM-A1b2C3d4E5f6G7h8I9j0';
const JUDGE_KEY = 'judge-key-zyxwvutsrq';

/** Every MIN_RUN-character run of `key`. */
const runsOf = (key: string) => Array.from({ length: key.length - MIN_RUN + 1 }, (_, i) => key.slice(i, i + MIN_RUN));
const leaks = (text: string, key: string) => runsOf(key).filter((run) => text.includes(run));

describe('createKeyScrubber', () => {
  const scrubber = createKeyScrubber([KEY, JUDGE_KEY, null, '  ']);

  it('replaces the whole key, a prefix, a middle and a suffix of 8+ characters', () => {
    const text = `key ${KEY}; prefix ${KEY.slice(0, 8)}; middle x${KEY.slice(9, 20)}y; suffix ${KEY.slice(-8)}; judge ${JUDGE_KEY.slice(3, 14)}`;
    const scrubbed = scrubber.scrub(text);
    expect(scrubbed).toBe(`key ${REDACTED_KEY}; prefix ${REDACTED_KEY}; middle x${REDACTED_KEY}y; suffix ${REDACTED_KEY}; judge ${REDACTED_KEY}`);
    expect(leaks(scrubbed, KEY)).toEqual([]);
    expect(leaks(scrubbed, JUDGE_KEY)).toEqual([]);
  });

  it('leaves 7-character runs and unrelated text alone', () => {
    const text = `Incorrect API key provided: ${KEY.slice(0, 7)}***${KEY.slice(-4)}. Model gpt-4o-mini.`;
    expect(scrubber.scrub(text)).toBe(text);
  });

  it('matches a key shorter than 8 characters whole', () => {
    expect(createKeyScrubber(['abc123']).scrub('x abc123 y abc12')).toBe(`x ${REDACTED_KEY} y abc12`);
  });

  it('is a no-op without keys', () => {
    const none = createKeyScrubber([null, '']);
    expect(none.empty).toBe(true);
    expect(none.scrub(KEY)).toBe(KEY);
  });

  it('scrubs a text split into pieces at every position exactly as the whole text', () => {
    const text = `data: {"error":{"message":"bad key ${KEY} (again ${KEY.slice(2, 15)})"}}\n\n`;
    const whole = scrubber.scrub(text);
    for (let cut = 0; cut <= text.length; cut += 1) {
      for (const second of [cut, Math.min(text.length, cut + 5)]) {
        let carry = '';
        let out = '';
        for (const [piece, final] of [[text.slice(0, cut), false], [text.slice(cut, second), false], [text.slice(second), true]] as const) {
          const result = scrubber.scrubPiece(carry + piece, final);
          out += result.ready;
          carry = result.carry;
        }
        expect(out + carry).toBe(whole);
      }
    }
    expect(leaks(whole, KEY)).toEqual([]);
  });
});
