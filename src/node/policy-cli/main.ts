// `npm run policy -- <command>` for the people who tune tenant files:
//   lint [DIR]                                   every problem with file, line and field; exit 1 on any
//   test --data FILE.jsonl [--tenant T] [--profile P] [--against P2 | --baseline [REV] | --baseline SAVED.json] [--save OUT.json]
//                                                --baseline alone: the policy directory as last committed (git HEAD)
//   calibrate --data FILE.jsonl --target-precision 0.9 [--block-precision 0.95] [--tenant T] [--profile P] [--name N]
//   explain --text "..." [--tenant T] [--profile P] [--direction input|output]
//   explain --decision ID [--audit FILE]         replays an audited decision on the current policy
// DIR defaults to POLICY_DIR, else ./policies. Exit codes: 0 ok, 1 policy problems, 2 usage or input errors.

import { writeFile, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatProblem, PolicyLoadError } from '../../policy/errors.ts';
import type { Classifier } from '../../classifier/types.ts';
import type { Guard } from '../../guard/types.ts';
import { calibrate, calibrationYaml, formatReport, profileReport, readLabelledFile, scoreRows, type CategoryReport, type LabelledRow } from './evaluate.ts';
import { describeVerdict, findDecision, replayDecision } from './explain.ts';
import { checkoutCommittedPolicyDir, type CommittedPolicyDir } from './git-baseline.ts';
import { CliError, loadForLint, loadSnapshotWith, loadWithClassifier, pickGuard, pickTenant } from './load.ts';

const USAGE = `usage: npm run policy -- <lint [DIR] | test | calibrate | explain> [options]
  lint [DIR]
  test --data FILE.jsonl [--tenant T] [--profile P] [--against OTHER_PROFILE | --baseline [REV] | --baseline SAVED.json] [--save OUT.json]
       (--baseline alone compares with the policy directory as last committed: git HEAD)
  calibrate --data FILE.jsonl --target-precision 0.9 [--block-precision P] [--tenant T] [--profile P] [--name NAME]
  explain --text "..." [--tenant T] [--profile P] [--direction input|output]
  explain --decision ID [--audit FILE]
common: --policies DIR (default POLICY_DIR or ./policies), --model PATH.onnx`;

const options = {
  policies: { type: 'string' },
  tenant: { type: 'string' },
  profile: { type: 'string' },
  data: { type: 'string' },
  against: { type: 'string' },
  baseline: { type: 'string' },
  save: { type: 'string' },
  'target-precision': { type: 'string' },
  'block-precision': { type: 'string' },
  name: { type: 'string' },
  text: { type: 'string' },
  direction: { type: 'string' },
  decision: { type: 'string' },
  audit: { type: 'string' },
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function progress(label: string): (done: number, total: number) => void {
  let lastPercent = -10;
  return (done, total) => {
    const percent = Math.floor((done / total) * 100);
    if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total} (${percent}%)${done === total ? '\n' : ''}`);
    else if (percent >= lastPercent + 10 || done === total) {
      lastPercent = percent;
      process.stderr.write(`${label}: ${done}/${total} (${percent}%)\n`);
    }
  };
}

function ratio(name: string, raw: string | undefined, fallback?: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new CliError(`--${name} is required`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new CliError(`--${name} must be a number in (0, 1], got "${raw}"`);
  return value;
}

/** `--baseline` with no value (last, or before another option) means the last commit. */
function withBaselineDefault(argv: readonly string[]): string[] {
  return argv.map((arg, i) => (arg === '--baseline' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) ? '--baseline=HEAD' : arg));
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: withBaselineDefault(argv), options, allowPositionals: true, strict: true });
  const [command, dirArgument] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const dir = values.policies ?? dirArgument ?? process.env['POLICY_DIR'] ?? './policies';

  if (command === 'lint') {
    try {
      const snapshot = await loadForLint(dir);
      const profiles = [...snapshot.tenants.values()].reduce((n, t) => n + t.guards.size, 0);
      process.stdout.write(`ok: ${dir}: ${snapshot.tenants.size} tenant(s), ${profiles} profile guard(s) built, policy version ${snapshot.version}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof PolicyLoadError)) throw error;
      for (const problem of error.problems) process.stdout.write(`${formatProblem(problem)}\n`);
      process.stdout.write(`${error.problems.length} problem(s) in ${dir}\n`);
      return 1;
    }
  }

  if (command === 'test' || command === 'calibrate') {
    if (!values.data) throw new CliError('--data FILE.jsonl is required');
    const rows = await readLabelledFile(values.data);
    // Checked before the model loads, so a typo fails fast.
    const review = command === 'calibrate' ? ratio('target-precision', values['target-precision']) : 0;
    const targets = { review, block: command === 'calibrate' ? ratio('block-precision', values['block-precision'], Math.min(1, (1 + review) / 2)) : 0 };
    // A committed baseline is written out before the model loads, so a missing one fails fast.
    const committed = command === 'test' && values.baseline !== undefined && !values.baseline.endsWith('.json') ? await checkoutCommittedPolicyDir(dir, values.baseline) : null;
    const { snapshot, classifier } = await loadWithClassifier(dir, values.model).catch(async (error: unknown) => {
      await committed?.cleanup();
      throw error;
    });
    try {
      const tenant = pickTenant(snapshot, values.tenant);
      const guard = pickGuard(tenant, values.profile);
      const verdicts = await scoreRows(guard, rows, progress(`scoring ${guard.profile.name}`));
      if (command === 'calibrate') {
        const calibration = calibrate(rows, verdicts, targets);
        process.stdout.write(calibrationYaml({ name: values.name ?? `${guard.profile.name}-calibrated`, base: guard.profile.name, data: values.data, rows: rows.length, targets, calibration }));
        return 0;
      }
      const report = profileReport(guard, rows, verdicts);
      let baseline: readonly CategoryReport[] | undefined;
      let baselineName = '';
      if (values.against) {
        const other = pickGuard(tenant, values.against);
        baseline = profileReport(other, rows, await scoreRows(other, rows, progress(`scoring ${other.profile.name}`)));
        baselineName = `profile ${other.profile.name}`;
      } else if (committed) {
        ({ baseline, baselineName } = await committedBaseline(committed, { classifier, rows, tenant: tenant.name, profile: values.profile, current: snapshot.version }));
      } else if (values.baseline) {
        const saved = JSON.parse(await readFile(values.baseline, 'utf8')) as { policy_version: string; report: CategoryReport[] };
        baseline = saved.report;
        baselineName = `saved run of policy ${saved.policy_version.slice(0, 12)} (${values.baseline})`;
      }
      const title = `tenant ${tenant.name}, profile ${guard.profile.name}, policy ${snapshot.version.slice(0, 12)}, model ${classifier.version}, ${rows.length} rows from ${values.data}${baseline ? `; deltas against ${baselineName}` : ''}`;
      process.stdout.write(`${formatReport(title, report, baseline)}\n`);
      if (values.save) {
        await writeFile(values.save, `${JSON.stringify({ tenant: tenant.name, profile: guard.profile.name, policy_version: snapshot.version, model_version: classifier.version, data: values.data, report }, null, 2)}\n`);
        process.stderr.write(`saved to ${values.save} (compare a later policy with --baseline ${values.save})\n`);
      }
      return 0;
    } finally {
      await committed?.cleanup();
      await classifier.close?.();
    }
  }

  if (command === 'explain') {
    if ((values.text === undefined) === (values.decision === undefined)) throw new CliError('explain needs exactly one of --text "..." or --decision ID');
    const records = values.decision ? await findDecision(values.audit ?? process.env['AUDIT_LOG'] ?? '', values.decision) : null;
    const { snapshot, classifier } = await loadWithClassifier(dir, values.model);
    try {
      if (records) {
        const replays = await replayDecision(records, (record) => pickGuard(pickTenant(snapshot, record.tenant), record.profile, record.direction));
        for (const { record, replayed } of replays) {
          process.stdout.write(`${record.decision_id} ${record.direction} (${record.endpoint}) tenant ${record.tenant}, deployment ${record.deployment}, profile ${record.profile}, at ${record.time}\n`);
          process.stdout.write(`  then: ${record.decision} under policy ${record.policy_version.slice(0, 12)}, model ${record.model_version}\n`);
          for (const [i, entry] of replayed.entries()) {
            const text = record.texts[i]!;
            if (!entry.after) {
              process.stdout.write(`  text ${i}${entry.param ? ` (${entry.param})` : ''}: ${entry.before}, rules ${text.rule_ids.join(', ') || 'none'}; content not kept (the tenant's audit.include_content is none), so it cannot be replayed\n`);
              continue;
            }
            const guard = pickGuard(pickTenant(snapshot, record.tenant), record.profile, record.direction);
            process.stdout.write(`  text ${i}${entry.param ? ` (${entry.param})` : ''}: then ${entry.before}, now ${entry.after.decision}${entry.contentMode === 'redacted' ? ' (replayed on the redacted text that was kept)' : ''}\n`);
            process.stdout.write(`${describeVerdict(guard, text.content ?? '', entry.after).replace(/^/gm, '    ')}\n`);
          }
        }
        return 0;
      }
      const direction = values.direction === 'output' ? 'output' : 'input';
      if (values.direction !== undefined && values.direction !== 'input' && values.direction !== 'output') throw new CliError('--direction must be input or output');
      const tenant = pickTenant(snapshot, values.tenant);
      const guard = pickGuard(tenant, values.profile, direction);
      const [verdict] = await guard.check([values.text!], direction);
      process.stdout.write(`tenant ${tenant.name}: ${describeVerdict(guard, values.text!, verdict!)}\n`);
      return 0;
    } finally {
      await classifier.close?.();
    }
  }
  throw new CliError(`unknown command "${command}"\n${USAGE}`);
}

/**
 * The same tenant and profile choice (`--tenant`, `--profile`, else the default deployment's) on
 * the committed policy, scored on the same rows with the same model.
 */
async function committedBaseline(
  committed: CommittedPolicyDir,
  options: { classifier: Classifier; rows: readonly LabelledRow[]; tenant: string; profile: string | undefined; current: string },
): Promise<{ baseline: CategoryReport[]; baselineName: string }> {
  const where = `the policy committed at ${committed.revision} (${committed.commit.slice(0, 12)})`;
  const snapshot = await loadSnapshotWith(committed.dir, options.classifier).catch((error: unknown) => {
    if (error instanceof PolicyLoadError) throw new CliError(`${where} does not load:\n${error.problems.map(formatProblem).join('\n')}`);
    throw error;
  });
  let guard: Guard;
  try {
    guard = pickGuard(pickTenant(snapshot, options.tenant), options.profile);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(`${where}: ${error.message} (is the tenant file committed?)`);
    throw error;
  }
  if (snapshot.version === options.current) process.stderr.write(`the policy files are unchanged since ${committed.revision}: every delta is 0\n`);
  const baseline = profileReport(guard, options.rows, await scoreRows(guard, options.rows, progress(`scoring ${guard.profile.name} at ${committed.revision}`)));
  return { baseline, baselineName: `${where}, profile ${guard.profile.name}, policy ${snapshot.version.slice(0, 12)}` };
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof PolicyLoadError) {
      for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      process.exit(1);
    }
    const known = error instanceof CliError || (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`policy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(known ? 2 : 1);
  },
);
