import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from './sse-parser.js';

const parse = (...chunks: string[]): { messages: SseMessage[]; parser: SseParser } => {
  const parser = new SseParser();
  const messages: SseMessage[] = [];
  for (const chunk of chunks) parser.push(chunk, (m) => messages.push(m));
  return { messages, parser };
};

describe('SseParser', () => {
  it('reads spacegrid messages: id, event, one data line', () => {
    const { messages } = parse(
      'id: 3\nevent: bid\ndata: {"amount":1100}\n\nid: 4\nevent: closed\ndata: {}\n\n',
    );
    expect(messages).toEqual([
      { id: '3', event: 'bid', data: '{"amount":1100}' },
      { id: '4', event: 'closed', data: '{}' },
    ]);
  });

  it('puts together messages cut anywhere, even inside a field or between the two newlines', () => {
    const text = 'id: 17.0\nevent: bid\ndata: {"a":1}\n\nid: 17\nevent: bid\ndata: {"a":2}\n\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const { messages, parser } = parse(text.slice(0, cut), text.slice(cut));
      expect(messages.map((m) => m.id)).toEqual(['17.0', '17']);
      expect(parser.pendingLength).toBe(0);
    }
  });

  it('counts comments (heartbeats) without dispatching them, and holds an incomplete message back', () => {
    const { messages, parser } = parse(
      ': ping\n\nid: 1\nevent: snapshot\ndata: {}\n\n: ping\n\nid: 2\nevent: b',
    );
    expect(messages).toHaveLength(1);
    expect(parser.comments).toBe(2);
    expect(parser.pendingLength).toBeGreaterThan(0);
  });

  it('follows the spec: default event, joined data lines, no space after the colon, CRLF, no data no message', () => {
    const { messages } = parse('data:a\r\ndata: b\r\n\r\nid: 9\n\nfield\ndata\n\n');
    expect(messages).toEqual([
      { id: undefined, event: 'message', data: 'a\nb' },
      { id: undefined, event: 'message', data: '' },
    ]);
  });
});
