// Float16 storage of the embedding table (scripts/train/float16.ts): bit patterns follow IEEE 754
// binary16 with round-to-nearest-even, and widening is exact, so the trainer's rounded weights equal
// what onnxruntime's Cast produces.

import { describe, expect, it } from 'vitest';
import { encodeFloat16, fromFloat16Bits, roundToFloat16, toFloat16Bits } from '../../scripts/train/float16.ts';

describe('float16 conversion', () => {
  it('encodes known values', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(0)).toBe(0);
  });

  it('rounds half to even', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: the even mantissa (1) wins.
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 lies halfway between mantissas 1 and 2: 2 (even) wins.
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite float16 bit pattern exactly', () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      expect(toFloat16Bits(fromFloat16Bits(bits))).toBe(bits);
      expect(toFloat16Bits(fromFloat16Bits(bits | 0x8000))).toBe(bits | 0x8000);
    }
  });

  it('rounding in place matches encoding then widening', () => {
    const values = Float32Array.from([0.0123456, -0.987654, 3.3e-6, 1234.5678]);
    const bits = encodeFloat16(values);
    roundToFloat16(values);
    values.forEach((v, i) => expect(v).toBe(fromFloat16Bits(bits[i]!)));
    expect(Math.abs(values[0]! - 0.0123456)).toBeLessThan(0.0123456 * 2 ** -10);
  });
});
