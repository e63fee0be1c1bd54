import { closeSync, openSync } from 'node:fs';
import type { Logger } from './logger.js';
import { ConfigError } from './config.js';
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
  // Started by the deploy manager: when it goes away (even killed -9), so do we, cleanly.
  if (process.connected) {
    process.on('disconnect', () => {
      detachOutput();
      shutdown('parent gone');
    });
  }
  lifecycle.start().catch((err: unknown) => {
    if (err instanceof ServiceUnavailableError) log.fatal({ service: err.service }, err.message);
    else log.fatal({ err }, 'failed to start');
    void lifecycle.close().finally(() => process.exit(1));
  });
}

/**
 * Our stdout and stderr are pipes to the manager; once it is gone every log write fails with
 * EPIPE (and pino retries it forever). Point them at /dev/null: POSIX `open` takes the lowest
 * free descriptor, so closing 1 then opening gives 1 again.
 */
function detachOutput(): void {
  for (const fd of [1, 2]) {
    try {
      closeSync(fd);
      openSync('/dev/null', 'w');
    } catch {
      // nothing more to do: the shutdown timer still ends the process
    }
  }
}

/**
 * Reads a process's configuration; a `ConfigError` ends the process with its one sentence on
 * stderr (exit code 2), not a stack trace.
 */
export function loadConfig<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
