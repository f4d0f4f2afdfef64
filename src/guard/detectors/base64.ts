// A small pure-TypeScript base64 / base64url (RFC 4648 §4, §5) and hex decoder usable on every
// runtime, so detectors can look inside encoded payloads without Buffer or atob.

import type { CompiledPattern } from '../regex/engine.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;
VALUES['+'.charCodeAt(0)] = 62;
VALUES['-'.charCodeAt(0)] = 62;
VALUES['/'.charCodeAt(0)] = 63;
VALUES['_'.charCodeAt(0)] = 63;

/** Decode base64 or base64url (padding optional) to bytes; null when a character is outside the alphabets. */
export function decodeBase64(input: string): Uint8Array | null {
  const body = input.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) return null;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (buffer >> bits) & 0xff;
    }
  }
  return out.subarray(0, written);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decode base64 to text when the bytes are valid UTF-8 and mostly printable (letters, digits,
 * punctuation, spaces); binary payloads (images, ciphertext) return null.
 */
export function decodeBase64Text(input: string, minPrintableRatio = 0.9): string | null {
  const bytes = decodeBase64(input);
  return bytes === null ? null : printableText(bytes, minPrintableRatio);
}

/** `bytes` as text when they are valid UTF-8 and mostly printable; null otherwise. */
function printableText(bytes: Uint8Array, minPrintableRatio: number): string | null {
  if (bytes.length === 0) return null;
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return null;
  }
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  return printable / text.length >= minPrintableRatio ? text : null;
}

const HEX_RUN = /^(?:[0-9a-f]{2})+$|^(?:[0-9A-F]{2})+$/;

/** Decode a run of hex digit pairs ("49676e6f7265") to text, on the same terms as decodeBase64Text. */
export function decodeHexText(input: string, minPrintableRatio = 0.9): string | null {
  if (!HEX_RUN.test(input)) return null;
  const bytes = new Uint8Array(input.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(input.slice(2 * i, 2 * i + 2), 16);
  return printableText(bytes, minPrintableRatio);
}

/** Base64 runs long enough to hide a sentence, an email or a key: 24+ characters of the base64/base64url alphabets. */
export const BASE64_RUN_PATTERN = '[A-Za-z0-9+/_\\-]{24,}={0,2}';
/** Runs decoded per text, so a body of base64 noise costs bounded work. */
export const MAX_BASE64_RUNS = 32;

export interface EncodedPayload {
  /** The decoded text. */
  readonly decoded: string;
  /** Offsets of the encoded run in the scanned text. */
  readonly start: number;
  readonly end: number;
}

/** The last call's answer: the PII, secret and injection detectors ask for the same view of the same text in turn. */
let lastPayloads: { runs: CompiledPattern; text: string; payloads: readonly EncodedPayload[] } | null = null;

/**
 * The base64 runs of `text` (matched by a compiled BASE64_RUN_PATTERN) that decode to printable
 * text with a letter or digit; a run of hex digit pairs (also a base64 run) is read as hex first.
 */
export function base64Payloads(runs: CompiledPattern, text: string): readonly EncodedPayload[] {
  if (lastPayloads !== null && lastPayloads.runs === runs && lastPayloads.text === text) return lastPayloads.payloads;
  const payloads: EncodedPayload[] = [];
  for (const run of runs.matchAll(text).slice(0, MAX_BASE64_RUNS)) {
    const body = run.text.length % 4 === 1 ? run.text.slice(0, -1) : run.text;
    const decoded = decodeHexText(run.text) ?? decodeBase64Text(body);
    if (decoded === null || !/[\p{L}\p{N}]{2,}/u.test(decoded)) continue;
    payloads.push(Object.freeze({ decoded, start: run.start, end: run.end }));
  }
  lastPayloads = { runs, text, payloads: Object.freeze(payloads) };
  return lastPayloads.payloads;
}
