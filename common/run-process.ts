import type { Logger } from './logger.js';
import { ServiceUnavailableError } from './errors.js';

export interface Lifecycle {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The only place a process's lifecycle meets `process`: start, and on SIGINT/SIGTERM close once,
 * in reverse order (the lifecycle's own `close`). A dependency that is down at start ends the
 * process with one clear sentence, not a stack trace.
 */
export function runProcess(lifecycle: Lifecycle, log: Logger): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    lifecycle.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  lifecycle.start().catch((err: unknown) => {
    if (err instanceof ServiceUnavailableError) log.fatal({ service: err.service }, err.message);
    else log.fatal({ err }, 'failed to start');
    void lifecycle.close().finally(() => process.exit(1));
  });
}
