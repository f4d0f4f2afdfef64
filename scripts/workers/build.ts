// `npm run build:workers`: lints policies/ for Workers (RE2 subset, both engines, see
// policy-bundle.ts), writes them as dist/workers/policy-bundle.js (the module wrangler.toml
// aliases as guardrail-policy-bundle), and prints the sizes that decide what fits in a
// Worker and the R2 key the model must be uploaded under. Exit 1 with every problem on a bad policy.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parseModelMetadata } from '../../src/classifier/onnx-session.ts';
import { PolicyLoadError } from '../../src/policy/errors.ts';
import { fileSystemPolicySource } from '../../src/node/policy-files.ts';
import { modelObjectKey } from '../../src/workers/model-key.ts';
import { lintForWorkers, renderPolicyBundle } from './policy-bundle.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'policy-dir': { type: 'string', default: join(ROOT, 'policies') },
      out: { type: 'string', default: join(ROOT, 'dist', 'workers', 'policy-bundle.js') },
      quiet: { type: 'boolean', default: false },
    },
  });
  const files = await fileSystemPolicySource(values['policy-dir']!).read();
  const version = await lintForWorkers(files, process.env);
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, renderPolicyBundle(files, version));
  if (values.quiet) return;

  const metadataPath = join(ROOT, 'models', 'moderation-classifier.json');
  const metadata = parseModelMetadata(await readFile(metadataPath, 'utf8'), metadataPath);
  const model = await readFile(join(ROOT, 'models', metadata.onnxFile));
  const wasm = await readFile(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  const size = (bytes: Buffer) => `${(bytes.byteLength / 1e6).toFixed(1)} MB (gzip ${(gzipSync(bytes).byteLength / 1e6).toFixed(1)} MB)`;
  process.stdout.write(
    [
      `policies: ${files.length} files linted for Workers (RE2 subset) and Node (RE2), version ${version.slice(0, 12)}`,
      `wrote ${values.out}`,
      `onnxruntime-web wasm, bundled: ${size(wasm)}`,
      `model, served from R2 (over the script size limit): ${size(model)}`,
      `upload it: npx wrangler r2 object put guardrail-proxy-models/${modelObjectKey(metadata)} --file models/${metadata.onnxFile} --remote`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`build:workers: ${error instanceof PolicyLoadError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
