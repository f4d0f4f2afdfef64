// The Workers Logger: one JSON line per entry through console (Workers Logs and `wrangler tail`
// collect console output), with pino's level names and numbers so Node and Workers logs read alike.

import type { LogFields, Logger } from '../logging/logger.ts';

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

export function createConsoleLogger(options: { level?: string; base?: LogFields } = {}): Logger {
  const threshold = LEVELS[(options.level ?? 'info') as Level] ?? LEVELS.info;
  const write = (level: Level) => (fields: LogFields, message?: string) => {
    if (LEVELS[level] < threshold) return;
    const line = JSON.stringify({ level: LEVELS[level], time: Date.now(), ...options.base, ...fields, ...(message === undefined ? {} : { msg: message }) });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
