// File-system PolicySource for Node: every *.yaml / *.yml under the policy directory, with paths
// relative to it (`tenants/default.yaml`), read afresh on each load so reloads see edits.

import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { PolicyFile, PolicySource } from '../policy/types.ts';

export function fileSystemPolicySource(root: string): PolicySource {
  return {
    async read() {
      const files: PolicyFile[] = [];
      for (const absolute of await listYamlFiles(root)) {
        files.push({ path: relative(root, absolute).split(sep).join('/'), content: await readFile(absolute, 'utf8') });
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
