import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/json-body.ts';
import { createSseSplitter, eventData, parseEventObject } from '../../src/guardrails/sse.ts';

describe('createSseSplitter', () => {
  it('splits on blank lines across chunks, normalising CRLF and a CR split from its LF', () => {
    const splitter = createSseSplitter();
    const encoder = new TextEncoder();
    const events = [
      ...splitter.push(encoder.encode('data: a\r')),
      ...splitter.push(encoder.encode('\n\r\ndata: b\n')),
      ...splitter.push(encoder.encode('\n')),
    ];
    expect(events).toEqual(['data: a', 'data: b']);
  });
});

describe('eventData', () => {
  it('joins data lines and ignores the other fields', () => {
    expect(eventData('event: x\ndata: {"a":\ndata:1}')).toBe('{"a":\n1}');
    expect(eventData('event: ping')).toBeNull();
  });
});

describe('parseEventObject', () => {
  it('parses a JSON object', () => {
    expect(parseEventObject('{"type":"response.created"}')).toEqual({ type: 'response.created' });
  });

  it('treats bad JSON, non-objects and too deep nesting as malformed', () => {
    expect(parseEventObject('{"a":')).toBeNull();
    expect(parseEventObject('[1,2]')).toBeNull();
    expect(parseEventObject('"text"')).toBeNull();
    const deep = `${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(parseEventObject(deep)).toBeNull();
    const fits = `${'{"a":'.repeat(MAX_JSON_DEPTH - 1)}1${'}'.repeat(MAX_JSON_DEPTH - 1)}`;
    expect(parseEventObject(fits)).not.toBeNull();
  });
});
