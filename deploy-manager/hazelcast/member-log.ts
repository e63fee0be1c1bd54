import { open } from 'node:fs/promises';

/** What `file` holds from byte `offset` on ('' when it holds no more). */
export async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The size in the last `Members {size:N, ver:V} [` block a member logged. */
export function lastClusterSize(log: string): number | undefined {
  const sizes = [...log.matchAll(/Members \{size:(\d+)/g)];
  const last = sizes.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

/** The last lines of a log, for an error message. */
export function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** True if `promise` settles within `ms`; clears its timer either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
