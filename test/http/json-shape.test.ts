// scanJsonShape: the element counts it reads from a body's text agree with what JSON.parse
// builds, on hand-picked cases (escaped keys, strings that look like structure, duplicate keys,
// non-object elements) and on random JSON with random whitespace.

import { describe, expect, it } from 'vitest';
import { scanJsonShape, scanJsonShapeInSlices, type CountQuery } from '../../src/http/json-shape.ts';

const CHAT: CountQuery = { members: ['messages'], nested: ['content'] };
const RESPONSES: CountQuery = { members: ['input'], nested: ['content', 'output'] };

/** What the scan should find, computed from the parsed value (no duplicate keys in it). */
function reference(value: unknown, query: CountQuery): Record<string, { length: number; parts: number[] }> {
  const found: Record<string, { length: number; parts: number[] }> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return found;
  for (const [name, member] of Object.entries(value)) {
    if (!query.members.includes(name) || !Array.isArray(member)) continue;
    const parts = member.map((element: unknown) => {
      if (typeof element !== 'object' || element === null || Array.isArray(element)) return 0;
      return Object.entries(element).reduce((sum, [key, inner]) => sum + (query.nested.includes(key) && Array.isArray(inner) ? inner.length : 0), 0);
    });
    found[name] = { length: member.length, parts };
  }
  return found;
}

function scanned(text: string, query: CountQuery): Record<string, { length: number; parts: number[] }> {
  const found: Record<string, { length: number; parts: number[] }> = {};
  for (const [name, arrays] of scanJsonShape(text, query).arrays) {
    expect(arrays).toHaveLength(1);
    found[name] = { length: arrays[0]!.length, parts: [...arrays[0]!.parts] };
  }
  return found;
}

describe('scanJsonShape', () => {
  it('counts messages and each message’s content parts', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, { role: 'assistant', content: 'ok' }, 7, [1, 2], { content: [] }] };
    expect(scanned(JSON.stringify(body), CHAT)).toEqual({ messages: { length: 5, parts: [2, 0, 0, 0, 0] } });
    expect(scanJsonShape(JSON.stringify(body), CHAT).depth).toBe(5);
  });

  it('reads escaped keys as JSON.parse does, and is not fooled by structure inside strings', () => {
    const text = '{"mess\\u0061ges":[{"con\\u0074ent":["x","y"]}],"note":"\\"messages\\":[1,2,3]","input":[1]}';
    expect(JSON.parse(text)).toHaveProperty('messages');
    expect(scanned(text, CHAT)).toEqual({ messages: { length: 1, parts: [2] } });
    expect(scanned('{"a":"[[[,,,]]]","messages":["[,]","\\\\",{"content":["\\"],["]}]}', CHAT)).toEqual({ messages: { length: 3, parts: [0, 0, 1] } });
  });

  it('counts only top-level members and only the elements’ own members', () => {
    const text = JSON.stringify({ meta: { messages: [1, 2, 3] }, messages: [{ meta: { content: [1, 2] }, content: [1] }], other: [[{ content: [1, 2, 3] }]] });
    expect(scanned(text, CHAT)).toEqual({ messages: { length: 1, parts: [1] } });
    expect(scanned('[{"messages":[1,2]}]', CHAT)).toEqual({});
    expect(scanned('{"messages":{"0":1}}', CHAT)).toEqual({});
  });

  it('sums `content` and `output` for the Responses API', () => {
    const text = JSON.stringify({ input: [{ type: 'message', content: [{ type: 'input_text', text: 'a' }] }, { type: 'function_call_output', output: [1, 2, 3] }, 'plain'] });
    expect(scanned(text, RESPONSES)).toEqual({ input: { length: 3, parts: [1, 3, 0] } });
  });

  it('keeps every occurrence of a duplicated key', () => {
    const arrays = scanJsonShape('{"messages":[1,2,3],"messages":[1]}', CHAT).arrays.get('messages')!;
    expect(arrays.map((array) => array.length)).toEqual([3, 1]);
  });

  it('counts empty arrays and whitespace correctly', () => {
    expect(scanned(' { "messages" : [ ] } ', CHAT)).toEqual({ messages: { length: 0, parts: [] } });
    expect(scanned('{\n\t"messages": [ {"content" : [ ]} ,\r\n {"content":[ 1 , "2" ,{}, [] ]} ]}', CHAT)).toEqual({ messages: { length: 2, parts: [0, 4] } });
  });

  it('gives the same shape in slices, pausing between them, with strings and arrays cut across slice ends', async () => {
    const body = JSON.stringify({ model: 'm', messages: Array.from({ length: 3000 }, (_, i) => ({ role: 'user', content: i % 3 === 0 ? 'x'.repeat(500) : [{ type: 'text', text: `"quoted" \\ ${'y'.repeat(i % 700)}` }, { type: 'text', text: '[' }] })) });
    expect(body.length).toBeGreaterThan(4 * 262_144);
    let pauses = 0;
    const sliced = await scanJsonShapeInSlices(body, CHAT, async () => void pauses++);
    expect(pauses).toBeGreaterThanOrEqual(4);
    expect(sliced).toEqual(scanJsonShape(body, CHAT));
    expect(sliced.arrays.get('messages')![0]!.parts.slice(0, 4)).toEqual([0, 2, 2, 0]);
  });

  it('agrees with JSON.parse on random bodies', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const keys = ['messages', 'content', 'input', 'output', 'role', 'mess\\u0061ges', 'x"y', 'a\\\\'];
    const TOP_KEYS = ['messages', 'mess\\u0061ges', 'input', 'model'];
    const ELEMENT_KEYS = ['content', 'con\\u0074ent', 'output', 'role'];
    const space = () => pick(['', '', ' ', '\n ', '\t']);
    // Shaped like requests (an object of arrays of objects of arrays) with everything else mixed in.
    const value = (depth: number): string => {
      const wanted = depth === 0 || depth === 2 ? 'object' : depth === 1 || depth === 3 ? 'array' : null;
      const roll = next();
      const kind = wanted && roll < 0.7 ? wanted : depth > 5 || roll < 0.8 ? 'scalar' : roll < 0.9 ? 'array' : 'object';
      if (kind === 'scalar') return pick(['1', '-2.5e3', 'true', 'null', '"s"', '"[{,\\"}]"', '"\\\\"']);
      if (kind === 'array') return `[${space()}${Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1)).join(`${space()},${space()}`)}${space()}]`;
      const names = depth === 0 ? TOP_KEYS : depth === 2 ? ELEMENT_KEYS : keys;
      const members = Array.from({ length: Math.floor(next() * 4) }, () => `"${pick(names)}"${space()}:${space()}${value(depth + 1)}`);
      return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
    };
    let checked = 0;
    for (let n = 0; n < 6000; n++) {
      const text = value(0);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      // The reference reads a parsed value, where duplicate keys have collapsed: skip those texts.
      if (hasDuplicateKeys(text)) continue;
      for (const query of [CHAT, RESPONSES]) {
        const expected = reference(parsed, query);
        expect(scanned(text, query), text).toEqual(expected);
        if (Object.values(expected).some((array) => array.parts.some((parts) => parts > 1))) checked++;
      }
    }
    // Enough of them carry an element with several counted parts to exercise every branch.
    expect(checked).toBeGreaterThan(100);
  });
});

/** Whether any object of the (valid JSON) text repeats a key, decoded. */
function hasDuplicateKeys(text: string): boolean {
  const frames: Array<Set<string> | null> = []; // a Set per object, null per array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const keys = frames[frames.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      frames.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',') {
      expectKey = frames[frames.length - 1] != null;
    }
  }
  return false;
}
