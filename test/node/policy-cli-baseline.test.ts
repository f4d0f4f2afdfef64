// `npm run policy -- test --baseline [REV]` as a process, against policy directories in temporary
// git repositories: what changed per category since the last commit, zero deltas when nothing
// did, and clear errors (exit 2) outside a repository or with nothing committed.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policy, ROOT } from '../helpers/policy-cli.ts';

const LABELLED = join(ROOT, 'fixtures/policy-cli/labelled.jsonl');

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A repository holding a copy of the shipped policies under `policies/`, committed once. */
function committedRepo(): { repo: string; dir: string } {
  const repo = mkdtempSync(join(tmpdir(), 'policy-repo-'));
  git(repo, 'init', '-q');
  const dir = join(repo, 'policies');
  cpSync(join(ROOT, 'policies'), dir, { recursive: true });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'policies');
  return { repo, dir };
}

const deltaLines = (stdout: string) => stdout.split('\n').filter((line) => line.includes('vs baseline'));
const nonZero = /[+-]0\.(0[1-9]|[1-9]\d)|[+-][1-9]/;

describe('policy test --baseline (the last committed policy)', () => {
  it('prints what changed per category since HEAD when the tenant file moved its input to another profile', async () => {
    const { dir } = committedRepo();
    const tenantFile = join(dir, 'tenants', 'default.yaml');
    writeFileSync(tenantFile, readFileSync(tenantFile, 'utf8').replace('input_policy: default', 'input_policy: strict'));
    const { code, stdout, stderr } = await policy(['test', '--data', LABELLED, '--policies', dir, '--baseline']);
    expect(stderr).toContain('scoring strict: 24/24');
    expect(stderr).toContain('scoring default at HEAD: 24/24');
    expect(code).toBe(0);
    expect(stdout).toContain('tenant default, profile strict');
    expect(stdout).toMatch(/deltas against the policy committed at HEAD \([0-9a-f]{12}\), profile default, policy [0-9a-f]{12}/);
    const deltas = deltaLines(stdout);
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    // strict flags at lower thresholds than default: some threshold or rate moved.
    expect(deltas.some((line) => nonZero.test(line))).toBe(true);
  }, 120_000);

  it('shows zero deltas when nothing changed since the named revision', async () => {
    const { dir } = committedRepo();
    const { code, stdout, stderr } = await policy(['test', '--data', LABELLED, '--policies', dir, '--baseline', 'HEAD', '--tenant', 'default']);
    expect(code).toBe(0);
    expect(stderr).toContain('the policy files are unchanged since HEAD');
    const deltas = deltaLines(stdout);
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    for (const line of deltas) expect(line).not.toMatch(nonZero);
  }, 120_000);

  it('says so, exit 2, outside a git repository, with no commit, or with nothing committed under the directory', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'policy-plain-'));
    cpSync(join(ROOT, 'policies'), join(plain, 'policies'), { recursive: true });
    // No git repository above a directory under tmpdir.
    const outside = await policy(['test', '--data', LABELLED, '--policies', join(plain, 'policies'), '--baseline']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is not inside a git repository');

    git(plain, 'init', '-q');
    const noCommit = await policy(['test', '--data', LABELLED, '--policies', join(plain, 'policies'), '--baseline']);
    expect(noCommit.code).toBe(2);
    expect(noCommit.stderr).toContain('no commit "HEAD"');

    writeFileSync(join(plain, 'README'), 'only this is committed\n');
    git(plain, 'add', 'README');
    git(plain, 'commit', '-q', '-m', 'readme');
    const uncommitted = await policy(['test', '--data', LABELLED, '--policies', join(plain, 'policies'), '--baseline']);
    expect(uncommitted.code).toBe(2);
    expect(uncommitted.stderr).toContain('is committed at HEAD');
    expect(uncommitted.stderr).toContain('commit the policy files first');

    const badRevision = await policy(['test', '--data', LABELLED, '--policies', join(plain, 'policies'), '--baseline', 'no-such-branch']);
    expect(badRevision.code).toBe(2);
    expect(badRevision.stderr).toContain('no commit "no-such-branch"');
  }, 120_000);
});
