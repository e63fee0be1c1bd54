import { describe, expect, it } from 'vitest';
import { API_FORMATS, apiFormatRule } from './api-formats.js';

describe('free-text', () => {
  const { validate } = API_FORMATS['free-text'];

  it.each([
    ['empty', ''],
    ['plain', 'Cup final'],
    ['accents and scripts', 'Fête — 決勝 — финал'],
    ['emoji (a surrogate pair)', 'Cup 🏆'],
    ['the last code point', '\u{10FFFF}'],
    ['other control characters', '\u0001\t\n\u007f\u0085'],
    ['noncharacters', '\uFFFE\uFFFF'],
    ['a pair at each end', '😀x😀'],
  ])('accepts %s', (_what, text) => {
    expect(validate(text)).toBe(true);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['NUL alone', '\u0000'],
    ['a lone high surrogate at the end', 'abc\ud83c'],
    ['a lone low surrogate at the start', '\udfc6abc'],
    ['a reversed pair', '\udfc6\ud83c'],
    ['two high surrogates', '\ud83c\ud83c\udfc6'],
    ['the first and last surrogate', '\ud800 \udfff'],
  ])('refuses %s', (_what, text) => {
    expect(validate(text)).toBe(false);
  });
});

describe('apiFormatRule', () => {
  it('explains our formats in words and knows no others', () => {
    expect(apiFormatRule('free-text')).toContain('NUL');
    expect(apiFormatRule('utc-time')).toContain('1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z');
    expect(apiFormatRule('date-time')).toBeUndefined();
    expect(apiFormatRule('toString')).toBeUndefined();
    expect(apiFormatRule(undefined)).toBeUndefined();
  });
});
