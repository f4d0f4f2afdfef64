// The policy files bundled at build: `npm run build:workers` lints policies/ and writes them to
// dist/workers/policy-bundle.js, which wrangler.toml aliases to this module name. Typed here so
// the entry type-checks on a clean checkout, before any build.

declare module 'guardrail-policy-bundle' {
  /** Every policy file, path relative to policies/ (`tenants/default.yaml`), sorted by path. */
  export const POLICY_FILES: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}
