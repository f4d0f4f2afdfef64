import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES } from '../../../src/categories.ts';
import { flagThreshold } from '../../../src/guard/decision.ts';
import { readPolicyFiles } from '../../../src/node/policy-files.ts';
import { PolicyLoadError } from '../../../src/policy/errors.ts';
import type { PolicyFile } from '../../../src/policy/types.ts';
import { profileFile } from '../../helpers/policy-files.ts';
import { loadShippedProfiles, resolveTenantProfiles, SHIPPED_PROFILE_NAMES } from '../../../src/policy/profiles/resolve.ts';
import type { ProfileRegistry, ResolvedBand } from '../../../src/policy/profiles/types.ts';

const PROFILES_DIR = join(import.meta.dirname, '../../../policies/profiles');

let sources: PolicyFile[];
let shipped: ProfileRegistry;

beforeAll(async () => {
  sources = await readPolicyFiles(PROFILES_DIR, 'policies/profiles');
  shipped = loadShippedProfiles(sources);
});

function loadError(fn: () => unknown): PolicyLoadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyLoadError);
    return error as PolicyLoadError;
  }
  throw new Error('expected a PolicyLoadError');
}

describe('shipped profiles', () => {
  it('loads all five', () => {
    expect([...shipped.keys()].sort()).toEqual([...SHIPPED_PROFILE_NAMES].sort());
    for (const profile of shipped.values()) {
      expect(profile.tenant).toBeNull();
      expect(Object.keys(profile.input.bands).sort()).toEqual([...MODERATION_CATEGORIES].sort());
    }
  });

  it('resolves the seed 000 defaults into numbers', () => {
    const bands = shipped.get('default')!.input.bands;
    expect(bands['sexual/minors']).toEqual({ review: null, block: 0.1, mode: 'enforce' });
    expect(bands['self-harm/instructions']).toMatchObject({ review: 0.6, block: 0.8 });
    expect(bands['violence/graphic']).toMatchObject({ review: 0.65, block: 0.85 });
    expect(bands.harassment).toMatchObject({ review: 0.7, block: 0.9 });
    expect(bands['hate/threatening']).toMatchObject({ block: 0.8 });
  });

  it('default: redacts PII and secrets both ways, blocks injection on input, threats of violence earlier on output', () => {
    const profile = shipped.get('default')!;
    for (const direction of [profile.input, profile.output]) {
      expect(direction.piiActions.email).toBe('redact');
      expect(direction.secretActions.openai_key).toBe('redact');
      expect(direction.detectorOptions.secrets?.types.length).toBeGreaterThan(0);
    }
    expect(profile.input.injection.action).toBe('block');
    expect(profile.input.detectorOptions.injection).toEqual({ enabled: true });
    expect(profile.output.detectorOptions.injection).toBeUndefined();
    expect(profile.output.bands['harassment/threatening'].block!).toBeLessThan(profile.input.bands['harassment/threatening'].block!);
    expect(profile.input.detectorOptions.pii?.types).not.toContain('url');
    expect(profile.input.classifier).toEqual({ timeoutMs: 250, onError: 'block', mode: 'enforce' });
  });

  it('runs the built-in harm phrases on input everywhere, on output where a profile opts in, off where one says so', () => {
    for (const profile of shipped.values()) expect(profile.input.detectorOptions.harmPhrases, profile.name).toEqual({ enabled: true });
    expect(shipped.get('default')!.output.detectorOptions.harmPhrases).toBeUndefined();
    expect(shipped.get('kids')!.output.detectorOptions.harmPhrases).toEqual({ enabled: true });
    const registry = resolveTenantProfiles('acme', [profileFile('h.yaml', { profile: 'acme-quiet', extends: 'default', input: { detectors: { harm_phrases: { enabled: false } } } })], shipped);
    expect(registry.get('acme-quiet')!.input.detectorOptions.harmPhrases).toBeUndefined();
  });

  it('every profile keeps the sexual/minors hard rules in both directions', () => {
    for (const profile of shipped.values()) {
      for (const direction of [profile.input, profile.output]) {
        expect(direction.detectorOptions.minors).toEqual({ enabled: true });
        expect(direction.detectorOptions.regexRules?.some((rule) => rule.id.startsWith('minors.'))).toBe(false);
        expect(direction.bands['sexual/minors'].block!).toBeLessThanOrEqual(0.1);
        expect(direction.bands['sexual/minors'].mode).toBe('enforce');
      }
    }
  });

  it('differentiates the profiles as documented', () => {
    const [strict, kids, research, internal, base] = ['strict', 'kids', 'research', 'internal', 'default'].map((n) => shipped.get(n)!);
    expect(strict!.softBlock).toBe('block');
    expect(strict!.input.bands.harassment.block!).toBeLessThan(base!.input.bands.harassment.block!);
    expect(kids!.input.bands.sexual.block!).toBeLessThanOrEqual(0.25);
    expect(kids!.input.piiActions.url).toBe('redact');
    expect(kids!.output.piiActions.phone).toBe('redact');
    expect(research!.input.bands.harassment.mode).toBe('monitor');
    expect(research!.input.injection.action).toBe('monitor');
    expect(internal!.input.piiActions.email).not.toBe('redact');
    expect(internal!.input.secretActions.github_token).toBe('redact');
    expect(internal!.output.secretActions.aws_access_key).toBe('redact');
  });

  it('orders the shipped profiles: kids acts no later than strict, strict no later than default, on every category both ways', () => {
    const startsAt = (band: ResolvedBand) => flagThreshold(band) ?? 1;
    const pairs: Array<[string, string]> = [['kids', 'strict'], ['strict', 'default']];
    for (const [stricter, looser] of pairs) {
      for (const direction of ['input', 'output'] as const) {
        for (const category of MODERATION_CATEGORIES) {
          const a = shipped.get(stricter)![direction].bands[category];
          const b = shipped.get(looser)![direction].bands[category];
          expect(startsAt(a), `${stricter} ${direction} ${category} review`).toBeLessThanOrEqual(startsAt(b));
          expect(a.block ?? 1, `${stricter} ${direction} ${category} block`).toBeLessThanOrEqual(b.block ?? 1);
        }
      }
    }
    // 'internal' differs from 'default' in what it does with PII, not in its thresholds.
    expect(shipped.get('internal')!.input.bands).toEqual(shipped.get('default')!.input.bands);
    // The default profile acts on threats in the model's answer no later than in the user's prompt.
    for (const category of MODERATION_CATEGORIES) {
      const { input, output } = shipped.get('default')!;
      expect(output.bands[category].block ?? 1, category).toBeLessThanOrEqual(input.bands[category].block ?? 1);
      expect(startsAt(output.bands[category]), category).toBeLessThanOrEqual(startsAt(input.bands[category]));
    }
  });

  it('rejects a missing shipped profile and an unknown key with file, line and field', () => {
    expect(loadError(() => loadShippedProfiles(sources.slice(1))).message).toMatch(/missing shipped profile/);
    const bad = sources.map((s) =>
      s.path.endsWith('strict.yaml') ? { ...s, content: s.content.replace('soft_block: block', 'soft_block: block\nsoft_blok: warn') } : s,
    );
    const error = loadError(() => loadShippedProfiles(bad));
    expect(error.file).toBe('policies/profiles/strict.yaml');
    expect(error.field).toBe('soft_blok');
    const lineOfTypo = bad.find((s) => s.path.endsWith('strict.yaml'))!.content.split('\n').findIndex((l) => l.startsWith('soft_blok')) + 1;
    expect(error.line).toBe(lineOfTypo);
  });

  it('reports invalid YAML with its line', () => {
    const bad = sources.map((s) => (s.path.endsWith('kids.yaml') ? { ...s, content: 'profile: kids\ncategories: [\n' } : s));
    const error = loadError(() => loadShippedProfiles(bad));
    expect(error.file).toBe('policies/profiles/kids.yaml');
    expect(error.message).toMatch(/invalid YAML/);
    expect(error.line).toBeGreaterThan(0);
  });
});

describe('tenant profiles', () => {
  const tenantFile = 'policies/tenants/acme/profiles/acme-kids.yaml';

  it('extends a shipped profile and overrides fields by deep merge', () => {
    const text = [
      'profile: acme-kids',
      'extends: kids',
      'soft_block: warn',
      'categories:',
      '  harassment: { block: 0.45 }',
      'input:',
      '  detectors:',
      '    pii: { email: placeholder }',
      '    keywords:',
      '      lists:',
      '        - { id: acme.competitors, category: brand/competitor, action: redact, keywords: [globex, initech] }',
    ].join('\n');
    const registry = resolveTenantProfiles('acme', [{ path: tenantFile, content: text }], shipped);
    const profile = registry.get('acme-kids')!;
    expect(profile.tenant).toBe('acme');
    expect(profile.lineage).toEqual(['acme-kids', 'kids']);
    expect(profile.softBlock).toBe('warn');
    // Overridden block, inherited review.
    expect(profile.input.bands.harassment).toEqual({ review: 0.3, block: 0.45, mode: 'enforce' });
    expect(profile.input.piiActions.email).toBe('placeholder');
    expect(profile.input.piiActions.phone).toBe('redact'); // inherited from kids
    expect(profile.input.rules['acme.competitors']).toEqual({ id: 'acme.competitors', category: 'brand/competitor', action: 'redact' });
    expect(profile.input.detectorOptions.keywordLists).toEqual([{ id: 'acme.competitors', category: 'brand/competitor', keywords: ['globex', 'initech'] }]);
    // Shipped profiles are still there, unchanged.
    expect(registry.get('kids')!.softBlock).toBe('block');
  });

  it('lets a tenant profile extend another tenant profile, in any file order', () => {
    const registry = resolveTenantProfiles(
      'acme',
      [
        profileFile('b.yaml', { profile: 'acme-strictest', extends: 'acme-strict', categories: { hate: { block: 0.5 } } }),
        profileFile('a.yaml', { profile: 'acme-strict', extends: 'strict', soft_block: 'warn' }),
      ],
      shipped,
    );
    const profile = registry.get('acme-strictest')!;
    expect(profile.lineage).toEqual(['acme-strictest', 'acme-strict', 'strict']);
    expect(profile.softBlock).toBe('warn');
    expect(profile.input.bands.hate.block).toBe(0.5);
  });

  it('lets a tenant replace a shipped name for itself', () => {
    const registry = resolveTenantProfiles('acme', [profileFile('d.yaml', { profile: 'default', extends: 'default', soft_block: 'block' })], shipped);
    expect(registry.get('default')!.softBlock).toBe('block');
    expect(registry.get('default')!.tenant).toBe('acme');
    expect(shipped.get('default')!.softBlock).toBe('warn');
  });

  it('floor: a tenant raising the sexual/minors block threshold is a load error naming file, line and field', () => {
    const text = 'profile: acme-lax\nextends: default\ncategories:\n  sexual/minors: { block: 0.5 }\n';
    const error = loadError(() => resolveTenantProfiles('acme', [{ path: tenantFile, content: text }], shipped));
    expect(error.file).toBe(tenantFile);
    expect(error.field).toBe('categories.sexual/minors.block');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/floor/);
  });

  it('floor: monitor mode, an output override, a disabled classifier, and a non-blocking minors rule are all load errors', () => {
    const cases: Array<[unknown, string]> = [
      [{ categories: { 'sexual/minors': { mode: 'monitor' } } }, 'categories.sexual/minors.mode'],
      [{ output: { categories: { 'sexual/minors': { block: 0.2 } } } }, 'output.categories.sexual/minors.block'],
      [{ input: { classifier: { enabled: false } } }, 'input.classifier.enabled'],
      [{ input: { detectors: { regex: { on_error: 'allow', rules: [] } } } }, 'input.detectors.regex.on_error'],
      [
        { input: { detectors: { regex: { rules: [{ id: 'x.minor', category: 'sexual/minors', action: 'monitor', pattern: 'x' }] } } } },
        'input.detectors.regex.rules[0].action',
      ],
    ];
    for (const [override, field] of cases) {
      const data = { profile: 'acme-lax', extends: 'research', ...(override as object) };
      const error = loadError(() => resolveTenantProfiles('acme', [profileFile('lax.yaml', data)], shipped));
      expect(error.field, field).toBe(field);
      expect(error.file).toBe('lax.yaml');
    }
  });

  it('floor holds for shipped profiles too', () => {
    const bad = sources.map((s) => (s.path.endsWith('research.yaml') ? { ...s, content: s.content.replace('sexual/minors:           { block: 0.10 }', 'sexual/minors:           { block: 0.30 }') } : s));
    const error = loadError(() => loadShippedProfiles(bad));
    expect(error.file).toBe('policies/profiles/research.yaml');
    expect(error.field).toBe('categories.sexual/minors.block');
  });

  it('a stricter sexual/minors setting is fine', () => {
    const registry = resolveTenantProfiles('acme', [profileFile('x.yaml', { profile: 'acme-x', extends: 'default', categories: { 'sexual/minors': { review: 0.02, block: 0.04 } } })], shipped);
    expect(registry.get('acme-x')!.output.bands['sexual/minors']).toEqual({ review: 0.02, block: 0.04, mode: 'enforce' });
  });

  it('blames a bad value on the tenant file, and unknown parents and review above block clearly', () => {
    const typo = loadError(() => resolveTenantProfiles('acme', [{ path: 't.yaml', content: 'profile: t\nextends: default\ninput:\n  detectors:\n    pii: { emial: redact }\n' }], shipped));
    expect(typo).toMatchObject({ file: 't.yaml', field: 'input.detectors.pii.emial', line: 5 });
    const parent = loadError(() => resolveTenantProfiles('acme', [profileFile('t.yaml', { profile: 't', extends: 'nope' })], shipped));
    expect(parent.message).toMatch(/unknown profile 'nope'/);
    const inverted = loadError(() => resolveTenantProfiles('acme', [profileFile('t.yaml', { profile: 't', extends: 'default', categories: { hate: { review: 0.95 } } })], shipped));
    expect(inverted.field).toBe('categories.hate.review');
    const cycle = loadError(() =>
      resolveTenantProfiles('acme', [profileFile('a.yaml', { profile: 'a', extends: 'b' }), profileFile('b.yaml', { profile: 'b', extends: 'a' })], shipped),
    );
    expect(cycle.message).toMatch(/cycle/);
  });
});

describe('README guardrails section', () => {
  it('its annotated tenant profile example loads as documented', () => {
    const docs = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
    const example = docs.match(/```yaml\n(# policies\/tenants[\s\S]*?)```/)![1]!;
    const profile = resolveTenantProfiles('acme', [{ path: 'docs-example.yaml', content: example }], shipped).get('acme-kids')!;
    expect(profile.input.piiActions.email).toBe('placeholder');
    expect(profile.input.stages.pii).toEqual({ timeoutMs: 20, onError: 'block', mode: 'enforce' });
    expect(profile.input.bands.hate.mode).toBe('monitor');
    expect(profile.input.bands.violence.review).toBe(0.25);
    expect(profile.input.rules['acme.ticket']!.action).toBe('monitor');
    expect(profile.output.bands['sexual/minors'].block).toBe(0.05);
    expect(profile.streamHoldBackChars).toBe(256);
  });
});
