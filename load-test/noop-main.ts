import { buildNoopServer } from './noop-server.js';

/**
 * `node dist/load-test/noop-main.js [port]`: the no-op ceiling server as a process. With an IPC
 * channel (bench-main), it reports `{ type: 'ready', url }` once listening.
 */
const port = Number(process.argv[2] ?? process.env.PORT ?? 8091);
const server = buildNoopServer({ port });
const url = await server.start();
process.stdout.write(`no-op server listening on ${url}\n`);
process.send?.({ type: 'ready', url });
let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
