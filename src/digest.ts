// SHA-256 for the whole proxy (proxy-key digests, the policy version, classifier cache keys), with
// hex helpers and a constant-time comparison. @noble/hashes is synchronous and runtime-free, so
// the same code runs on Node and Workers (Web Crypto's digest is async, which would make every
// cache lookup a promise).

import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();

/** SHA-256 of the UTF-8 encoding of `text`. */
export function sha256(text: string): Uint8Array {
  return nobleSha256(encoder.encode(text));
}

/** Hex SHA-256 of the UTF-8 encoding of `text`. */
export function sha256Hex(text: string): string {
  return toHex(sha256(text));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Compares two digests without an early exit, so timing does not reveal a matching prefix. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
