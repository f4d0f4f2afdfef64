// The logging contract the app depends on: the subset of pino's API it calls. pino satisfies it on
// Node; tests pass a recording logger. Callers log ids, names and figures, never keys or message text.

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, message?: string): void;
  info(fields: LogFields, message?: string): void;
  warn(fields: LogFields, message?: string): void;
  error(fields: LogFields, message?: string): void;
}

/** A safe description of a failure for logs: its name, code and message, without any stack. */
export function describeCause(cause: unknown): LogFields {
  if (!(cause instanceof Error)) return { error: String(cause) };
  const nested = cause.cause instanceof Error ? { cause: `${cause.cause.name}: ${cause.cause.message}` } : {};
  const code = (cause as { code?: unknown }).code;
  return { error: `${cause.name}: ${cause.message}`, ...(typeof code === 'string' ? { code } : {}), ...nested };
}
