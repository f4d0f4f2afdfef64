// `npm run dev:workers` step: the committed model into wrangler's local R2 bucket, offline.

import { seedLocalModel } from './wrangler-local.ts';

seedLocalModel().then(
  (key) => process.stdout.write(`model in the local R2 bucket as ${key}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
