// What authentication-off mode still refuses: a non-loopback Host (421) and a body that is not
// JSON (415), read from the request alone.

import { describe, expect, it } from 'vitest';
import { checkAuthOffRequest } from '../../src/auth/auth-off-gate.ts';
import { HttpError } from '../../src/errors.ts';

const request = (method: string, host: string | null, headers: Record<string, string> = {}) => ({
  method,
  url: 'http://127.0.0.1:8080/v1/chat/completions',
  headers: new Headers({ ...(host === null ? {} : { host }), ...headers }),
});

const statusOf = (input: ReturnType<typeof request>): number | null => {
  try {
    checkAuthOffRequest(input);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return (error as HttpError).status;
  }
};

describe('checkAuthOffRequest', () => {
  it('serves loopback hosts with any port and case, and refuses every other host with 421', () => {
    for (const host of ['localhost', 'localhost:8080', 'LocalHost:1', '127.0.0.1', '127.0.0.1:8080', '[::1]', '[::1]:8080']) expect(statusOf(request('GET', host)), host).toBeNull();
    for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.nip.io', 'localhost.evil.example', '192.168.1.5:8080', '[::2]:80', '0.0.0.0', '']) expect(statusOf(request('GET', host)), host).toBe(421);
  });

  it('falls back to the URL host when there is no Host header', () => {
    expect(statusOf(request('GET', null))).toBeNull();
    expect(statusOf({ ...request('GET', null), url: 'http://rebound.example/v1/models' })).toBe(421);
  });

  it('serves JSON bodies and body-less requests, and refuses other bodies with 415', () => {
    const json = { 'content-type': 'application/json', 'content-length': '2' };
    expect(statusOf(request('POST', 'localhost', json))).toBeNull();
    expect(statusOf(request('POST', 'localhost', { 'content-type': 'Application/JSON; charset=utf-8' }))).toBeNull();
    expect(statusOf(request('POST', 'localhost', {}))).toBeNull();
    expect(statusOf(request('POST', 'localhost', { 'content-type': 'text/plain;charset=UTF-8', 'content-length': '40' }))).toBe(415);
    expect(statusOf(request('POST', 'localhost', { 'content-type': 'application/x-www-form-urlencoded' }))).toBe(415);
    expect(statusOf(request('POST', 'localhost', { 'content-type': 'multipart/form-data; boundary=x' }))).toBe(415);
    expect(statusOf(request('POST', 'localhost', { 'content-length': '12' }))).toBe(415);
    expect(statusOf(request('DELETE', 'localhost', { 'transfer-encoding': 'chunked' }))).toBe(415);
    expect(statusOf(request('GET', 'localhost', { 'content-type': 'text/plain' }))).toBeNull();
  });
});
