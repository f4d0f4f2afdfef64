// node:crypto's SHA-256 for src/digest.ts, installed by the Node server: about 3 µs for a
// 100-character text against 45 µs in pure JavaScript, and a request hashes several texts (the
// checked text, the classifier cache key, the audit record's fields, the proxy key).

import { createHash } from 'node:crypto';
import type { Sha256Implementation } from '../digest.ts';

export const nodeSha256Implementation: Sha256Implementation = {
  bytes: (text) => createHash('sha256').update(text, 'utf8').digest(),
  hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
};
