// Policy files from the file system, for Node: the PolicySource over every *.yaml / *.yml under the
// policy directory, with paths relative to it (`tenants/default.yaml`), read afresh on each load so
// reloads see edits; the shipped profiles may come from another directory (a custom POLICY_DIR
// reusing ours). The only policy code that touches the file system.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { PolicyFile, PolicySource } from '../policy/types.ts';

export interface FileSystemPolicyOptions {
  /** Read `profiles/*.yaml` from here instead of `<root>/profiles` (which is then skipped). */
  shippedProfilesDir?: string;
}

export function fileSystemPolicySource(root: string, options: FileSystemPolicyOptions = {}): PolicySource {
  const profilesDir = options.shippedProfilesDir;
  return {
    async read() {
      const files: PolicyFile[] = [];
      for (const absolute of await listYamlFiles(root)) {
        const path = relative(root, absolute).split(sep).join('/');
        if (profilesDir !== undefined && path.startsWith('profiles/')) continue;
        files.push({ path, content: await readFile(absolute, 'utf8') });
      }
      if (profilesDir !== undefined) {
        for (const absolute of await listYamlFiles(profilesDir)) {
          files.push({ path: `profiles/${relative(profilesDir, absolute).split(sep).join('/')}`, content: await readFile(absolute, 'utf8') });
        }
      }
      return files;
    },
  };
}

async function listYamlFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await listYamlFiles(path)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** The `*.yaml` / `*.yml` files directly in `dir`, in name order, named `<prefix>/<file name>`. */
export async function readPolicyFiles(dir: string, prefix: string): Promise<PolicyFile[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(names.map(async (name) => ({ path: `${prefix}/${name}`, content: await readFile(join(dir, name), 'utf8') })));
}
