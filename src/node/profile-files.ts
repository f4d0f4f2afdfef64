// Node-only: reads policy YAML files into PolicySources for the pure resolver. The Workers build
// supplies its sources another way (bundled text or KV); nothing else in src/guard touches fs.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicySource } from '../policy/profiles/resolve.ts';

/** Every `*.yaml` / `*.yml` file directly in `dir`, in name order, with paths relative to `root`. */
export async function readPolicySources(dir: string, root = ''): Promise<PolicySource[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({ file: root ? join(root, name) : join(dir, name), text: await readFile(join(dir, name), 'utf8') })),
  );
}
