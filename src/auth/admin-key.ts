// The operator's admin key (ADMIN_API_KEY): guards /metrics on the main listener and /admin/*.
// Compared by digest in constant time, like proxy keys; a tenant's proxy key is never an admin key.

import { constantTimeEqual, sha256 } from '../digest.ts';
import { HttpError } from '../errors.ts';
import { readPresentedKey } from './proxy-keys.ts';

/**
 * Throws 404 when no admin key is configured (the admin surface does not exist then), 401 when
 * the presented key is missing or wrong.
 */
export function requireAdminKey(headers: Headers, adminKeyHash: Uint8Array | null, what: string): void {
  if (!adminKeyHash) throw new HttpError(404, `Invalid URL (${what})`);
  const presented = readPresentedKey(headers);
  if (!presented || !constantTimeEqual(sha256(presented), adminKeyHash)) {
    throw new HttpError(401, 'This route needs the admin key: send it as "Authorization: Bearer <ADMIN_API_KEY>".', { code: 'invalid_api_key' });
  }
}
