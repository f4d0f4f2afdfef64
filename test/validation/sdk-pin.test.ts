// The SDK pin (seed 001): the request fields of the pinned npm `openai` package, read from its type
// declarations with the TypeScript parser, must equal the committed classification in
// sdk-fields.json (validated here or forwarded unchecked), and the validators must check exactly
// the fields it calls validated. A bump of the SDK that adds, removes or renames a request field
// fails here until someone audits it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { chatCompletionRequestSchema } from '../../src/validation/chat.ts';
import { responseCreateRequestSchema } from '../../src/validation/responses.ts';
import { VALIDATED_AGAINST } from '../../src/validation/sdk-pin.ts';
import snapshot from './sdk-fields.json' with { type: 'json' };

// The package's exports hide package.json, so it is read where npm installs it.
const sdkRoot = fileURLToPath(new URL('../../node_modules/openai/', import.meta.url));
const sdkVersion = (JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Property names of `interfaceName` in an SDK .d.ts file. */
function declaredFields(file: string, interfaceName: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(sdkRoot, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const fields: string[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== interfaceName) return;
    for (const member of node.members) if (member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) fields.push(member.name.text);
  });
  return fields.sort();
}

const SHAPES = [
  { key: 'chat.completions', file: 'resources/chat/completions/completions.d.ts', schema: chatCompletionRequestSchema },
  { key: 'responses', file: 'resources/responses/responses.d.ts', schema: responseCreateRequestSchema },
] as const;

describe('the SDK pin', () => {
  it('is the installed openai package, pinned exactly in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
    const pinned = pkg.devDependencies?.['openai'] ?? pkg.dependencies?.['openai'];
    expect(`openai@${sdkVersion}`).toBe(VALIDATED_AGAINST.node);
    expect(`openai@${pinned}`).toBe(VALIDATED_AGAINST.node);
    expect(snapshot.sdk).toBe(VALIDATED_AGAINST.node);
  });

  for (const shape of SHAPES) {
    const classified = snapshot[shape.key];
    it(`${shape.key}: the SDK's ${classified.interface} fields are exactly the classified ones`, () => {
      const fields = declaredFields(shape.file, classified.interface);
      expect(fields.length).toBeGreaterThan(10);
      expect(fields).toEqual([...classified.validated, ...classified.forwarded].sort());
      expect(classified.validated.filter((f) => classified.forwarded.includes(f))).toEqual([]);
    });

    it(`${shape.key}: the validator checks exactly the fields classified as validated`, () => {
      expect(Object.keys(shape.schema.shape).sort()).toEqual([...classified.validated].sort());
    });
  }
});
