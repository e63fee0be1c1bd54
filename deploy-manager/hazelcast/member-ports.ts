import { createServer } from 'node:net';
import { ServiceUnavailableError } from '../../common/errors.js';
import { canConnect as canConnectTo } from '../../common/net.js';

/** Where members listen, and are reached, unless told otherwise (`host` of startMember/startCluster). */
export const HOST = '127.0.0.1';

export function consecutive(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Finds `count` consecutive ports of `host`, from `from` upwards, that nothing listens on. */
export async function freePortRange(from: number, count: number, host = HOST): Promise<number[]> {
  for (let base = from; base + count - 1 <= 65_535; base++) {
    const ports = consecutive(base, count);
    const free = await Promise.all(ports.map((port) => isPortFree(port, host)));
    if (free.every(Boolean)) return ports;
  }
  throw new ServiceUnavailableError('Hazelcast', `No ${count} consecutive free ports from ${from} upwards.`);
}

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/** True if a TCP connection to `host:port` (this host by default) opens within a second. */
export function canConnect(port: number, host = HOST): Promise<boolean> {
  return canConnectTo(port, host);
}
