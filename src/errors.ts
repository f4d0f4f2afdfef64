// One error type for every failure a client may see: an HTTP status plus OpenAI's error envelope
// (https://platform.openai.com/docs/guides/error-codes). Anything else is answered generically by onError.

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'upstream_error'
  | 'timeout_error';

export interface ErrorEnvelope {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
  [extension: string]: unknown;
}

export interface HttpErrorOptions {
  /** One of ours, or an upstream's own type relayed verbatim. */
  type?: OpenAIErrorType | (string & {});
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
  /** Extra top-level fields beside `error` (e.g. `policy_detections` on a guardrail block). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, message: string, options: HttpErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.type = options.type ?? defaultType(status);
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
      ...this.extensions,
    };
  }
}

function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status === 502) return 'upstream_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The body sent for any failure that is not an HttpError: no message, stack or cause leaks. */
export const INTERNAL_ERROR_ENVELOPE: ErrorEnvelope = {
  error: { message: 'Internal server error', type: 'api_error', param: null, code: null },
};
