// readGuardHeaders: X-Guard-* routing headers, Enkrypt's X-Enkrypt-* fallback, and the tag
// filtering that keeps header content out of the logs.

import { describe, expect, it } from 'vitest';
import { readGuardHeaders } from '../../src/http/guard-headers.ts';

const read = (headers: Record<string, string>) => readGuardHeaders(new Headers(headers));

describe('readGuardHeaders', () => {
  it('defaults to no deployment, no tags and no refresh', () => {
    expect(read({})).toEqual({ deployment: null, tags: [], refreshCache: false });
  });

  it('reads our headers, trimming the deployment name', () => {
    const headers = read({ 'X-Guard-Deployment': '  forced ', 'X-Guard-Tags': 'team:search, env/prod ,v1.2', 'X-Guard-Refresh-Cache': 'true' });
    expect(headers).toEqual({ deployment: 'forced', tags: ['team:search', 'env/prod', 'v1.2'], refreshCache: true });
  });

  it('falls back to Enkrypt’s headers, and prefers ours when both are sent', () => {
    const enkrypt = { 'X-Enkrypt-Deployment': 'legacy', 'X-Enkrypt-Tags': 'from-enkrypt', 'X-Enkrypt-Refresh-Cache': 'TRUE' };
    expect(read(enkrypt)).toEqual({ deployment: 'legacy', tags: ['from-enkrypt'], refreshCache: true });
    expect(read({ ...enkrypt, 'X-Guard-Deployment': 'ours', 'X-Guard-Tags': 'mine', 'X-Guard-Refresh-Cache': 'false' })).toEqual({
      deployment: 'ours',
      tags: ['mine'],
      refreshCache: false,
    });
  });

  it('falls back to Enkrypt\'s header when ours is sent empty or blank', () => {
    const headers = read({ 'X-Guard-Deployment': '', 'X-Enkrypt-Deployment': 'legacy', 'X-Guard-Tags': ' ', 'X-Enkrypt-Tags': 'a,b', 'X-Guard-Refresh-Cache': '', 'X-Enkrypt-Refresh-Cache': 'true' });
    expect(headers).toEqual({ deployment: 'legacy', tags: ['a', 'b'], refreshCache: true });
  });

  it('treats a blank deployment as none', () => {
    expect(read({ 'X-Guard-Deployment': '   ' }).deployment).toBeNull();
  });

  it('drops tags that could forge log content or are too long', () => {
    const tags = read({ 'X-Guard-Tags': `ok, has space, "quoted", a=b, ${'x'.repeat(65)}, ${'y'.repeat(64)}, ,semi;colon, user@host` }).tags;
    expect(tags).toEqual(['ok', 'y'.repeat(64), 'user@host']);
  });

  it('keeps at most 20 tags', () => {
    const many = Array.from({ length: 30 }, (_, i) => `t${i}`);
    expect(read({ 'X-Guard-Tags': many.join(',') }).tags).toEqual(many.slice(0, 20));
  });

  it.each([
    ['true', true],
    [' True ', true],
    ['1', false],
    ['yes', false],
    ['', false],
  ])('reads X-Guard-Refresh-Cache %j as %s', (value, expected) => {
    expect(read({ 'X-Guard-Refresh-Cache': value }).refreshCache).toBe(expected);
  });
});
