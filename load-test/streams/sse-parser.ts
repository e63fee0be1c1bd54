/** One Server-Sent Events message: `data` is left as text (JSON for spacegrid), parsed only by who needs it. */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * An incremental Server-Sent Events parser (WHATWG HTML, "Server-sent events"), cheap enough for
 * thousands of watchers in one process: text is fed as it arrives, in chunks cut anywhere, and
 * each complete message (a block ending in a blank line) is handed over once. Comments (`: ping`)
 * are counted, not dispatched; a block without `data` is not a message (as in the spec). `\r\n`
 * and `\r` line ends are accepted, though spacegrid writes `\n` only.
 */
export class SseParser {
  /** Comment lines seen (spacegrid's heartbeats). */
  comments = 0;
  private pending = '';

  /** Feeds `text` (decoded UTF-8); `onMessage` gets every message it completes, in order. */
  push(text: string, onMessage: (message: SseMessage) => void): void {
    let buffer = this.pending + (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text);
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n\n', start)) !== -1) {
      const message = this.block(buffer, start, end);
      start = end + 2;
      if (message !== undefined) onMessage(message);
    }
    buffer = buffer.slice(start);
    this.pending = buffer;
  }

  /** Bytes of an incomplete message held back. */
  get pendingLength(): number {
    return this.pending.length;
  }

  private block(buffer: string, from: number, to: number): SseMessage | undefined {
    let id: string | undefined;
    let event = 'message';
    let data: string | undefined;
    let lineStart = from;
    while (lineStart <= to) {
      let lineEnd = buffer.indexOf('\n', lineStart);
      if (lineEnd === -1 || lineEnd > to) lineEnd = to;
      if (buffer.charCodeAt(lineStart) === 58 /* ':' */) this.comments += 1;
      else if (lineEnd > lineStart) {
        const colon = buffer.indexOf(':', lineStart);
        const hasValue = colon !== -1 && colon < lineEnd;
        const name = buffer.slice(lineStart, hasValue ? colon : lineEnd);
        let valueStart = hasValue ? colon + 1 : lineEnd;
        if (buffer.charCodeAt(valueStart) === 32 /* ' ' */ && valueStart < lineEnd) valueStart += 1;
        const value = buffer.slice(valueStart, lineEnd);
        if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
        else if (name === 'event') event = value;
        else if (name === 'id' && !value.includes('\0')) id = value;
      }
      lineStart = lineEnd + 1;
    }
    return data === undefined ? undefined : { id, event, data };
  }
}
