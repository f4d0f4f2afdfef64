// The audit sink on Node: one JSON line per decision, appended to AUDIT_LOG (a file path), or to
// stdout / stderr, through pino's buffered destination (sonic-boom) so a write never blocks a
// request; `off` writes nothing. Flushed on shutdown.

import { pino } from 'pino';
import type { AuditRecord, AuditSink } from '../ops/audit.ts';

export interface NodeAuditSink extends AuditSink {
  /** Where it writes, for the startup log line. */
  readonly target: string;
  /** Writes what is buffered; call before exiting. */
  flush(): void;
}

/** `target`: a file path, `stdout`, `stderr` or `off`. A file is created (with its folder) and appended to. */
export function createAuditSink(target: string): NodeAuditSink {
  if (target === 'off') return { target, write: () => {}, flush: () => {} };
  const destination =
    target === 'stdout' ? pino.destination({ dest: 1, sync: false }) : target === 'stderr' ? pino.destination({ dest: 2, sync: false }) : pino.destination({ dest: target, append: true, mkdir: true, sync: false });
  return {
    target,
    write(record: AuditRecord) {
      destination.write(`${JSON.stringify(record)}\n`);
    },
    flush() {
      try {
        destination.flushSync();
      } catch {
        // Not yet open (nothing was written): nothing to flush.
      }
    },
  };
}
