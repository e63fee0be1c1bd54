import { connect, createServer } from 'node:net';
import { ServiceUnavailableError } from '../../common/errors.js';

/** Every member listens on, and is reached at, this address. */
export const HOST = '127.0.0.1';

export function consecutive(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Finds `count` consecutive ports, from `from` upwards, that nothing listens on. */
export async function freePortRange(from: number, count: number): Promise<number[]> {
  for (let base = from; base + count - 1 <= 65_535; base++) {
    const ports = consecutive(base, count);
    const free = await Promise.all(ports.map(isPortFree));
    if (free.every(Boolean)) return ports;
  }
  throw new ServiceUnavailableError('Hazelcast', `No ${count} consecutive free ports from ${from} upwards.`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/** True if a TCP connection to `HOST:port` opens within a second. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ port, host: HOST });
    socket.setTimeout(1_000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
