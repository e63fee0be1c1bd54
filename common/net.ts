import { connect } from 'node:net';

/** True if a TCP connection to `host:port` opens within `timeoutMs`. */
export function canConnect(port: number, host: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ port, host });
    socket.setTimeout(timeoutMs);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
