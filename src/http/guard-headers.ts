// Per-request routing headers. Ours are `X-Guard-Deployment`, `X-Guard-Tags` and
// `X-Guard-Refresh-Cache`; Enkrypt's `X-Enkrypt-*` equivalents (seed 004) are accepted as a
// fallback so existing Enkrypt integrations work unchanged.

export interface GuardHeaders {
  deployment: string | null;
  tags: string[];
  refreshCache: boolean;
}

const MAX_TAGS = 20;
const SAFE_TAG = /^[A-Za-z0-9._:/@-]{1,64}$/;

export function readGuardHeaders(headers: Headers): GuardHeaders {
  // An empty (or blank) X-Guard-* header counts as absent, so it cannot hide its X-Enkrypt-* fallback.
  const present = (value: string | null) => (value !== null && value.trim() !== '' ? value : null);
  const pick = (suffix: string) => present(headers.get(`x-guard-${suffix}`)) ?? present(headers.get(`x-enkrypt-${suffix}`));
  const deployment = pick('deployment')?.trim();
  const tags = (pick('tags') ?? '')
    .split(',')
    .map((tag) => tag.trim())
    // Tags end up in logs: keep only short, plain tokens so a header cannot forge log content.
    .filter((tag) => SAFE_TAG.test(tag))
    .slice(0, MAX_TAGS);
  return {
    deployment: deployment ? deployment : null,
    tags,
    refreshCache: (pick('refresh-cache') ?? '').trim().toLowerCase() === 'true',
  };
}
