// What a proxy with authentication off (no tenant has a proxy key) still refuses, since it would
// otherwise forward anyone's request with the upstream key: a browser can reach a loopback port.
//  - A Host other than loopback (`localhost`, `127.0.0.1`, `[::1]`, any port): DNS rebinding, a
//    page whose host name was re-pointed at 127.0.0.1, is answered 421 Misdirected Request
//    (RFC 9110 §15.5.20).
//  - A request body that is not `application/json`: a cross-site form or `fetch` with a
//    CORS-safelisted type (`text/plain`, form encodings) needs no preflight, so it is answered
//    415 Unsupported Media Type (RFC 9110 §15.5.16); a JSON body forces a preflight, which is
//    never granted.
// With authentication on, none of this applies: the proxy key is what a request must carry.

import { HttpError } from '../errors.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GatedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
}

/** Throws the 421 or 415 envelope for a request authentication-off mode does not serve. */
export function checkAuthOffRequest(request: GatedRequest): void {
  const host = hostName(request.headers.get('host') ?? hostOfUrl(request.url));
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new HttpError(421, 'Authentication is off, so only requests addressed to a loopback host (localhost, 127.0.0.1, [::1]) are served.', {
      type: 'invalid_request_error',
      code: 'misdirected_request',
    });
  }
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  const hasBody = request.headers.has('transfer-encoding') || Number(request.headers.get('content-length') ?? '0') > 0;
  if (mediaType === '' ? hasBody : mediaType !== 'application/json') {
    throw new HttpError(415, "Authentication is off, so only 'Content-Type: application/json' request bodies are served.", {
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    });
  }
}

/** `Host` without its port, lower-cased: `LocalHost:8080` → `localhost`, `[::1]:80` → `[::1]`. */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

function hostOfUrl(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
