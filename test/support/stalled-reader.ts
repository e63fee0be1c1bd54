import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** What the stalled reader read once it was told to read. */
export interface StalledReaderEnd {
  /** Bytes it got, headers included. */
  bytes: number;
  /** SSE messages in them (`id: ` lines: spacegrid's data never holds that text). */
  messages: number;
  /** How its connection ended: `end` (the server closed it) or an error code. */
  ending: string;
}

export interface StalledReader {
  /** Starts reading everything that waits, then resolves when the connection ends (or `timeoutMs` passes). */
  readToEnd(timeoutMs: number): Promise<StalledReaderEnd>;
  /** Kills the child, if it still runs. */
  kill(): void;
}

/**
 * The child's program: one HTTP request on a raw socket that is paused before anything is read
 * (so the kernel's receive buffer fills and the window closes), then, on a line on stdin, it
 * reads whatever is there until the connection ends and reports it.
 */
const PROGRAM = `
import { connect } from 'node:net';
const { host, port, path } = JSON.parse(process.env.STALLED_READER);
const socket = connect({ host, port });
socket.pause();
let bytes = 0, messages = 0, tail = '';
const report = (ending) => { process.stdout.write(JSON.stringify({ type: 'end', bytes, messages, ending }) + '\\n'); process.exit(0); };
socket.on('connect', () => {
  socket.write('GET ' + path + ' HTTP/1.1\\r\\nHost: ' + host + '\\r\\nAccept: text/event-stream\\r\\n\\r\\n');
  process.stdout.write(JSON.stringify({ type: 'sent' }) + '\\n');
});
socket.on('error', (err) => report(err.code ?? String(err)));
socket.on('end', () => report('end'));
process.stdin.once('data', () => {
  socket.on('data', (chunk) => {
    bytes += chunk.length;
    const text = tail + chunk.toString('latin1');
    messages += text.split('id: ').length - 1;
    tail = text.slice(-3);
  });
  socket.resume();
});
`;

/**
 * A client of `http://host:port{path}` that never reads, run in network namespace `ns` (a child
 * process: this one cannot change its namespace), where the test sets a tiny TCP receive buffer:
 * on loopback the kernel would otherwise absorb megabytes before the server sees any backlog.
 * Resolves once its request is sent.
 */
export async function startStalledReader(
  ns: string,
  target: { host: string; port: number; path: string },
): Promise<StalledReader> {
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', PROGRAM],
    { env: { ...process.env, STALLED_READER: JSON.stringify(target) }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  const ended = new Promise<StalledReaderEnd>((resolve, reject) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { type: string } & StalledReaderEnd;
      if (message.type === 'end') resolve(message);
    });
    child.once('exit', () => reject(new Error(`the stalled reader exited without a report: ${stderr}`)));
  });
  ended.catch(() => undefined);
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`the stalled reader in ${ns} did not start: ${stderr}`);
    }),
  ])) as [string];
  if ((JSON.parse(line) as { type: string }).type !== 'sent') throw new Error(`unexpected: ${line}`);
  return {
    async readToEnd(timeoutMs) {
      child.stdin!.write('read\n');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the stalled reader's stream did not end within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([ended, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
