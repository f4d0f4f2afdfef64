// `x-request-id`: a sane client value is kept (so callers can correlate), anything else replaced
// by a fresh UUID. Echoed on every response, forwarded upstream and logged.

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function resolveRequestId(clientValue: string | null | undefined): string {
  const trimmed = clientValue?.trim();
  return trimmed && SAFE_REQUEST_ID.test(trimmed) ? trimmed : crypto.randomUUID();
}
