// The one YAML reader and locator behind tenant files and profiles: syntax errors with line and
// column, field paths located (or their nearest ancestor), and schema issues worded one way.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PolicyLoadError } from '../../src/policy/errors.ts';
import { describeSchemaIssue, parsePolicyFile } from '../../src/policy/yaml.ts';

const FILE = { path: 'tenants/acme.yaml', content: 'tenant: acme\ndeployments:\n  - name: main\n    upstream:\n      timeout_ms: "slow"\n' };

describe('parsePolicyFile', () => {
  it('locates a field path, and a missing field at its nearest ancestor', () => {
    const parsed = parsePolicyFile(FILE);
    expect(parsed.data).toMatchObject({ tenant: 'acme' });
    expect(parsed.problemAt(['deployments', 0, 'upstream', 'timeout_ms'], 'bad')).toEqual({
      file: 'tenants/acme.yaml',
      line: 5,
      column: 19,
      field: 'deployments[0].upstream.timeout_ms',
      message: 'bad',
    });
    expect(parsed.locate(['deployments', 0, 'upstream', 'base_url'])).toMatchObject({ depth: 3, line: 5 });
    expect(parsed.problemAt([], 'whole file')).toMatchObject({ line: 1, field: '' });
  });

  it('reports every YAML syntax error with its line as one PolicyLoadError', () => {
    let caught: unknown;
    try {
      parsePolicyFile({ path: 'p.yaml', content: 'a: 1\na: 2\nb: [\n' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyLoadError);
    const error = caught as PolicyLoadError;
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.every((problem) => problem.file === 'p.yaml' && problem.line !== null && problem.message.startsWith('invalid YAML: '))).toBe(true);
    expect(error).toMatchObject({ file: 'p.yaml', line: error.problems[0]!.line });
    expect(error.message).toContain('p.yaml:');
  });
});

describe('describeSchemaIssue', () => {
  const schema = z.strictObject({ timeout_ms: z.number(), name: z.string() });
  const first = (value: unknown) => schema.safeParse(value, { reportInput: true }).error!.issues[0]!;

  it('points an unknown key at the key itself and calls it a typo', () => {
    expect(describeSchemaIssue(first({ timeout_ms: 1, name: 'x', timeout_msec: 2 }))).toEqual({ path: ['timeout_msec'], message: 'unknown field(s) "timeout_msec" (a typo?)' });
  });

  it('tells a missing field from a wrong type', () => {
    expect(describeSchemaIssue(first({ name: 'x' }))).toEqual({ path: ['timeout_ms'], message: 'is required' });
    expect(describeSchemaIssue(first({ timeout_ms: 'slow', name: 'x' }))).toEqual({ path: ['timeout_ms'], message: 'expected number, received string' });
  });
});
