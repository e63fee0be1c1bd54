import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';

/** Whether a unit's answer is a live stream (Server-Sent Events), to pass through as it comes. */
export function isEventStream(status: number, headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  return status === 200 && typeof type === 'string' && type.startsWith('text/event-stream');
}

/** Headers of the unit's stream answer the client gets. */
const PASSED_ON = ['content-type', 'cache-control', 'x-accel-buffering', 'x-request-id'];

/**
 * A unit's live stream relayed to one client, chunk by chunk as it arrives, never buffered
 * whole. The grid never waits for the client either: a client that lets more than
 * `maxBufferedBytes` pile up unsent is cut off, and the unit's request aborted (the unit then
 * drops its watcher). A stream the client leaves, or the grid ends while draining, aborts the
 * unit's request the same way.
 */
export class StreamRelay {
  private out: ServerResponse | undefined;
  private readonly early: Buffer[] = [];
  private finished = false;
  private readonly doneListeners: Array<() => void> = [];

  constructor(
    private readonly controller: Dispatcher.DispatchController,
    readonly headers: IncomingHttpHeaders,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Starts the client's answer; from now on chunks go straight to it. */
  attach(out: ServerResponse, extraHeaders: Record<string, unknown>): void {
    if (out.destroyed || out.socket === null || out.socket.destroyed) {
      // The client left while the unit was starting the stream: its `close` has come and gone.
      this.stop(new StreamClosed('the client left before the stream began'));
      return;
    }
    this.out = out;
    const headers = { ...extraHeaders } as OutgoingHttpHeaders;
    for (const name of PASSED_ON) {
      const value = this.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    out.writeHead(200, headers);
    out.flushHeaders();
    out.on('close', () => this.stop(new StreamClosed('the client left the stream')));
    for (const chunk of this.early.splice(0)) this.data(chunk);
    if (this.finished) out.end();
  }

  /** Called once the relay is over, however it ended. */
  onDone(listener: () => void): void {
    if (this.finished) listener();
    else this.doneListeners.push(listener);
  }

  data(chunk: Buffer): void {
    const out = this.out;
    if (!out) {
      this.early.push(chunk);
      return;
    }
    if (out.destroyed) return;
    if (out.writableLength > this.maxBufferedBytes) {
      out.destroy();
      this.stop(new StreamClosed('the client reads too slowly'));
      return;
    }
    out.write(chunk);
  }

  /** The unit ended the stream. */
  end(): void {
    this.finish();
    this.out?.end();
  }

  /** The unit's side failed (or was aborted): the client's stream ends; it may reconnect. */
  fail(): void {
    this.finish();
    this.out?.destroy();
  }

  /** The grid is closing: end the client's stream and the unit's request. */
  close(): void {
    this.out?.end();
    if (this.out && this.out.writableLength > 0) this.out.destroy();
    this.stop(new StreamClosed('the messaging grid is closing'));
  }

  private stop(reason: Error): void {
    if (this.finished) return;
    this.finish();
    if (!this.controller.aborted) this.controller.abort(reason);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const listener of this.doneListeners.splice(0)) listener();
  }
}

class StreamClosed extends Error {
  readonly code = 'STREAM_CLOSED';
}
