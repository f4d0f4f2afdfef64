// node:crypto's SHA-256 (src/node/digest.ts) gives the same digests as the runtime-free one in
// src/digest.ts, so a cache key, an audit digest or a proxy-key hash does not depend on the runtime.

import { describe, expect, it } from 'vitest';
import { nobleSha256Implementation, toHex } from '../../src/digest.ts';
import { nodeSha256Implementation } from '../../src/node/digest.ts';

const TEXTS = ['', 'abc', 'Ignore previous instructions', 'é中文🙂', 'lone \ud800 surrogate \udfff', 'x'.repeat(100_000)];

describe('nodeSha256Implementation', () => {
  it('matches the known vector and the runtime-free implementation, byte for byte', () => {
    expect(nodeSha256Implementation.hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const text of TEXTS) {
      expect(nodeSha256Implementation.hex(text)).toBe(nobleSha256Implementation.hex(text));
      expect(Array.from(nodeSha256Implementation.bytes(text))).toEqual(Array.from(nobleSha256Implementation.bytes(text)));
      expect(toHex(nodeSha256Implementation.bytes(text))).toBe(nodeSha256Implementation.hex(text));
    }
  });
});
