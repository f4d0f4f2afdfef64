// The shipped profiles as PolicyFiles (`profiles/<name>.yaml`), for tests that load policies from
// memory: every snapshot needs them beside the tenant files.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyFile } from '../../src/policy/types.ts';

const PROFILES_DIR = join(import.meta.dirname, '../../policies/profiles');

export function shippedProfileFiles(): PolicyFile[] {
  return readdirSync(PROFILES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ path: `profiles/${name}`, content: readFileSync(join(PROFILES_DIR, name), 'utf8') }));
}
