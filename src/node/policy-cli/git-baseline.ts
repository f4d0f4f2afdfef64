// `policy test --baseline [REV]`: the policy directory as it was committed at REV (default HEAD),
// written out to a temporary directory with `git show` so it loads exactly like the current one.
// Errors say what is missing: no git, not a repository, no such commit, nothing committed there.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CliError } from './load.ts';

const run = promisify(execFile);

export interface CommittedPolicyDir {
  /** A temporary directory holding every file under the policy directory at `commit`. */
  readonly dir: string;
  readonly revision: string;
  /** The full commit id REV named. */
  readonly commit: string;
  readonly files: number;
  cleanup(): Promise<void>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout.toString('utf8');
}

function failureOf(error: unknown): { missingGit: boolean; stderr: string } {
  const e = error as { code?: unknown; stderr?: Buffer | string };
  return { missingGit: e.code === 'ENOENT', stderr: String(e.stderr ?? '').trim() };
}

/** Writes `dir` as committed at `revision` into a temporary directory (the caller cleans it up). */
export async function checkoutCommittedPolicyDir(dir: string, revision: string): Promise<CommittedPolicyDir> {
  const root = resolve(dir);
  // A revision is never an option (`--output=...` would be one to git).
  if (revision.startsWith('-') || revision.trim() === '') throw new CliError(`--baseline: "${revision}" is not a git revision`);
  try {
    await git(root, ['rev-parse', '--show-toplevel']);
  } catch (error) {
    if (failureOf(error).missingGit) throw new CliError('--baseline REV needs git, which is not installed (or compare with --baseline SAVED.json from an earlier --save)');
    throw new CliError(`--baseline: ${dir} is not inside a git repository, so it has no committed policy to compare with (compare with --baseline SAVED.json from an earlier --save instead)`);
  }
  let commit: string;
  try {
    commit = (await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`])).trim();
  } catch {
    throw new CliError(`--baseline: no commit "${revision}" in the repository of ${dir} (nothing committed yet?)`);
  }
  // NUL-separated, paths relative to the policy directory.
  const files = (await git(root, ['ls-tree', '-r', '-z', '--name-only', commit, '--', '.'])).split('\0').filter((path) => path !== '');
  if (files.length === 0) throw new CliError(`--baseline: nothing under ${dir} is committed at ${revision} (${commit.slice(0, 12)}); commit the policy files first`);
  const target = await mkdtemp(join(tmpdir(), 'policy-baseline-'));
  try {
    for (const path of files) {
      const { stdout } = await run('git', ['show', `${commit}:./${path}`], { cwd: root, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
      const destination = join(target, path);
      await mkdir(dirname(destination), { recursive: true });
      await writeFile(destination, stdout);
    }
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw new CliError(`--baseline: cannot read ${dir} at ${revision}: ${failureOf(error).stderr || String(error)}`);
  }
  return { dir: target, revision, commit, files: files.length, cleanup: () => rm(target, { recursive: true, force: true }) };
}
