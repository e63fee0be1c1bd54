import type { ServerResponse } from 'node:http';
import { HEARTBEAT, SSE_HEADERS } from './sse.js';

export interface SseWatcherOptions {
  /**
   * Bytes the response may hold unsent (Node's buffer in front of the socket) before the watcher
   * counts as too slow and its connection is destroyed.
   */
  maxBufferedBytes: number;
  /** Interval of `: ping` comments. */
  heartbeatMs: number;
}

/**
 * One client of a stream, on a hijacked response. `send` never waits: it writes into the
 * response's buffer, and a client that lets that buffer grow past `maxBufferedBytes` is cut off
 * (destroyed, not ended: ending would wait to flush what it will never read). Whoever feeds the
 * watcher (a Hazelcast listener, never a writer) therefore never slows down.
 */
/** How a watcher's stream ended: the client left or the server closed it, or it was cut off for being slow. */
export type WatcherEnd = 'closed' | 'dropped';

export class SseWatcher {
  private closed = false;
  private endedBy: WatcherEnd = 'closed';
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: Array<(reason: WatcherEnd) => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseWatcherOptions,
    extraHeaders: Record<string, string> = {},
  ) {
    res.writeHead(200, { ...extraHeaders, ...SSE_HEADERS });
    // Headers out at once: the client (and the grid) know the stream started.
    res.flushHeaders();
    this.heartbeat = setInterval(() => this.send(HEARTBEAT), options.heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.finish('closed'));
  }

  /** Called once, when the connection is gone: `dropped` when it was cut off for reading too slowly. */
  onClose(listener: (reason: WatcherEnd) => void): void {
    if (this.closed) listener(this.endedBy);
    else this.closeListeners.push(listener);
  }

  /** Writes the chunk, or drops the watcher if it has fallen too far behind. */
  send(chunk: string): void {
    if (this.closed || chunk === '') return;
    if (this.res.writableLength > this.options.maxBufferedBytes) {
      this.res.destroy();
      this.finish('dropped');
      return;
    }
    this.res.write(chunk);
  }

  /** Ends the stream politely (the server is closing). */
  end(): void {
    if (this.closed) return;
    this.res.end();
    // A client that reads nothing would hold the end up: it goes anyway.
    if (this.res.writableLength > 0) this.res.destroy();
    this.finish();
  }

  private finish(reason: WatcherEnd = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.endedBy = reason;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}
