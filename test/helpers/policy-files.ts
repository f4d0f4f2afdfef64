// The shipped profiles as PolicyFiles (`profiles/<name>.yaml`), for tests that load policies from
// memory: every snapshot needs them beside the tenant files. Also the two-tenant fixture with them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyFile } from '../../src/policy/types.ts';

const PROFILES_DIR = join(import.meta.dirname, '../../policies/profiles');
const TWO_TENANTS_DIR = join(import.meta.dirname, '../../fixtures/policies/two-tenants');

export function shippedProfileFiles(): PolicyFile[] {
  return readdirSync(PROFILES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ path: `profiles/${name}`, content: readFileSync(join(PROFILES_DIR, name), 'utf8') }));
}

/** fixtures/policies/two-tenants (acme and globex, their own profiles) plus the shipped profiles. */
export function twoTenantsPolicyFiles(): PolicyFile[] {
  return [...yamlFilesUnder(TWO_TENANTS_DIR, ''), ...shippedProfileFiles()];
}

function yamlFilesUnder(root: string, prefix: string): PolicyFile[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): PolicyFile[] => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return yamlFilesUnder(root, path);
      return entry.name.endsWith('.yaml') ? [{ path, content: readFileSync(join(root, path), 'utf8') }] : [];
    });
}

/** A profile document as a policy file (JSON is YAML), for tests that build profiles in code. */
export function profileFile(path: string, data: unknown): PolicyFile {
  return { path, content: JSON.stringify(data) };
}
