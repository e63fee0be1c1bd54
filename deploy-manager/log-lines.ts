/**
 * Turns a child's pino JSON line into one line a person reads in a terminal:
 * `12:04:01 INFO  unit-8100  unit listening url=http://127.0.0.1:8100`. Non-JSON lines pass through.
 */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'part', 'module', 'unit', 'name']);

/** How the deploy manager shows one line of a process's output. */
export type LogFormat = (name: string, line: string) => string;

/** `LOG_FORMAT=json`: each child's pino line as it is (it names its part), for a log shipper. */
export const asIs: LogFormat = (_name, line) => line;

export function formatLogLine(name: string, line: string): string {
  const tag = name.padEnd(12);
  if (!line.startsWith('{')) return `         ${'     '} ${tag} ${line}`;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
    const level = LEVELS[Number(entry.level)] ?? 'INFO ';
    const fields = Object.entries(entry)
      .filter(([key]) => !SKIP.has(key))
      .map(([key, value]) => {
        if (key === 'err' && value && typeof value === 'object')
          return `err="${String((value as { message?: unknown }).message)}"`;
        return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
      });
    const head = `${time} ${level} ${tag} ${String(entry.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}`;
    // The stack goes under the line, indented, so a person sees where it came from.
    const stack = stackOf(entry.err);
    return stack ? `${head}\n${indent(stack)}` : head;
  } catch {
    return `         ${'     '} ${tag} ${line}`;
  }
}

function stackOf(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const stack = (err as { stack?: unknown }).stack;
  return typeof stack === 'string' && stack.includes('\n    at ') ? stack : undefined;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `                    ${line}`)
    .join('\n');
}
