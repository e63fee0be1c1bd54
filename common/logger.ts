import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one root logger of a process. Every module takes a child:
 * `rootLogger.child({ part: 'processing-unit', module: 'batcher' })`.
 * Objects first: `log.error({ err, key }, 'cas retry limit')`.
 */
export function createRootLogger(
  options: { level?: string; name?: string; destination?: { write(line: string): void } } = {},
): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { pid: process.pid, ...(options.name ? { name: options.name } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.token', '*.authorization', 'headers.authorization', 'config.adminToken'],
      censor: '[redacted]',
    },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything: for tests that do not want output. */
export const silentLogger: Logger = pino({ level: 'silent' });
