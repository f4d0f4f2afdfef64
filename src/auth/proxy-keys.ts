// Proxy-key authentication: the client's `Authorization: Bearer <key>` (or Enkrypt's `apikey`
// header) is hashed and compared in constant time against each tenant's stored digests.

import { HttpError } from '../errors.ts';
import { constantTimeEqual, sha256 } from '../digest.ts';
import type { LoadedTenant, PolicySnapshot } from '../policy/types.ts';

/** Reads the presented proxy key from `Authorization: Bearer ...`, falling back to `apikey`. */
export function readPresentedKey(headers: Headers): string | null {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? null;
  }
  const apiKey = headers.get('apikey')?.trim();
  return apiKey ? apiKey : null;
}

/** Resolves the calling tenant, or throws the 401 envelope OpenAI uses for a bad key. */
export async function authenticateTenant<G>(snapshot: PolicySnapshot<G>, presentedKey: string | null): Promise<LoadedTenant<G>> {
  if (!snapshot.authEnabled) {
    if (snapshot.anonymousTenant) return snapshot.anonymousTenant;
    throw new HttpError(401, 'Authentication is off but no single default tenant is configured.', { code: 'invalid_api_key' });
  }
  if (!presentedKey) {
    throw new HttpError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <proxy key>'.", { code: 'invalid_api_key' });
  }
  const digest = sha256(presentedKey);
  let found: LoadedTenant<G> | null = null;
  // Visit every stored digest, so the time taken does not depend on which tenant matched.
  for (const tenant of snapshot.tenants.values()) {
    for (const stored of tenant.apiKeyHashes) {
      if (constantTimeEqual(stored, digest) && !found) found = tenant;
    }
  }
  if (!found) throw new HttpError(401, 'Incorrect API key provided.', { code: 'invalid_api_key' });
  return found;
}
