/**
 * The `sgwatch` command line. Each command lives in bin/commands/; this file
 * only wires them to commander and turns thrown user errors into exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { OUTCOMES, SEVERITIES } from '../lib/model';
import { replayCommand, type ReplayFlags } from './commands/replay';
import { policyShowCommand, policyValidateCommand } from './commands/policy';
import { UserError } from './commands/errors';
import { findingsCommand, historyCommand, type QueryFlags } from './commands/history';
import { inventoryCollectCommand, type CollectFlags } from './commands/inventory';
import { statusCommand, type StatusFlags } from './commands/status';
import { auditCommand, type AuditFlags } from './commands/audit';
import { errorMessage } from '../lib/errors/error-text';
import { version } from '../package.json';

export { UserError };

/**
 * The exit codes, one table for every command (README "Exit codes"). When a
 * run has several, the highest wins: 3 (a step failed: an alert or a revoke
 * may be missing, so rerun) over 2 (bad input, which a rerun does not fix)
 * over 1 (--fail-on); 70 is reserved for a crash, never 1.
 */
const EXIT_CODES_HELP = `
Exit codes:
  0   all good
  1   a finding reached --fail-on SEVERITY
  2   bad input: an input, the policy (also policy validate) or a flag is invalid
  3   an alert or remediation step failed (run the same replay again: only what did not go out is retried)
  70  sgwatch itself failed (a bug); set SGWATCH_DEBUG=1 for the stack
  130 interrupted (Ctrl-C; 143 for SIGTERM): what was done is kept, run the same command again to go on
  When several apply, the highest of 1-3 wins and stderr names each.`;

const STATE_DIR_HELP = 'folder holding .sgwatch/ (default: the working folder)';

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('sgwatch')
    .description('Watch AWS security-group changes: judge CloudTrail records against a policy, store, alert, revoke.')
    .version(version, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run sgwatch --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const storeOption = () => new Option('--store <store>', 'embedded (under .sgwatch/store), memory or dynalite (under .sgwatch/dynamodb)').choices(['embedded', 'memory', 'dynalite']).default('embedded');
  const severityOption = (flags: string, desc: string) => new Option(flags, desc).choices(SEVERITIES as unknown as string[]);

  program
    .command('replay')
    .description('Evaluate CloudTrail records: files, folders (walked in name order), - for stdin, or s3://bucket/prefix (a trail bucket, read in key order).')
    .argument('<paths...>', 'files, folders, - for standard input, or s3://bucket/AWSLogs/... (organisation trails too)')
    .option('--since <when>', 'only records since: 7d, 12h, 30m, 2w or an ISO date (UTC); trail files delivered before it are not read')
    .option('--until <when>', 'only records until: 7d, 12h, 30m, 2w or an ISO date (a date alone: the end of that day, UTC)')
    .option('--profile <name>', 'AWS profile for everything this run asks of AWS (s3:// inputs, --describe, --sns-topic, enforce), as the aws CLI spells it; default: AWS_PROFILE')
    .option('--region <region>', 'AWS region of the S3 client and the account check; default: AWS_REGION or the profile (a bucket elsewhere is followed)')
    .option('--s3-concurrency <n>', 's3:// inputs: objects downloaded at once (default 8); they are still processed in key order')
    .option('--s3-endpoint <url>', 's3:// inputs: an S3-compatible endpoint (MinIO, LocalStack), path-style')
    .option('--policy <file>', 'policy file (YAML); default: the built-in policy')
    .addOption(new Option('--format <format>', 'output format (ocsf: one OCSF 1.2.0 Detection Finding per finding; csv: one row per finding, with a header)').choices(['text', 'json', 'ocsf', 'csv']).default('text'))
    .addOption(new Option('--remediate <mode>', 'remediation: off, dry-run (plan only) or enforce (needs --yes)').choices(['off', 'dry-run', 'enforce']).default('dry-run'))
    .option('--yes', 'confirm --remediate enforce: really revoke rules with your AWS credentials')
    .addOption(severityOption('--fail-on <severity>', 'exit 1 when a finding reaches this severity'))
    .option('--all', 'text format: also list ignored records (not security-group changes)')
    .addOption(severityOption('--severity <severity>', 'output only records with a finding at or above this severity (storing and alerts are unchanged)'))
    .addOption(new Option('--outcome <outcome...>', 'output only records with these outcomes (storing and alerts are unchanged)').choices(OUTCOMES as unknown as string[]))
    .option('--no-color', 'no colours in text output')
    .option('--no-progress', 'no progress bar on stderr')
    .option('-q, --quiet', 'no line per record: the summary only (text); twice (-qq): nothing on stdout, the exit code says it all', (_v: string, n: number) => n + 1, 0)
    .option('--max-input-mib <n>', 'stop reading one input (file or stdin) once it gives this many MiB, decompressed: a gzip bomb or /dev/zero is one invalid input, the others are read (default 1024)')
    .addOption(new Option('--store <store>', 'where records are kept: embedded (under .sgwatch/store), memory (nothing kept) or dynalite (the DynamoDB API in-process under .sgwatch/dynamodb: slower, for comparison)').choices(['embedded', 'memory', 'dynalite']).default('embedded'))
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--dynamodb-endpoint <url>', 'use this DynamoDB endpoint instead of the embedded store')
    .option('--table <name>', 'DynamoDB table name (default sgwatch-changes)')
    .addOption(new Option('--slack-webhook <url>', 'send Slack alerts to this incoming webhook (a secret: prefer the environment variable, which ps cannot show)').env('SGWATCH_SLACK_WEBHOOK'))
    .addOption(
      new Option('--slack-timeout <ms>', 'wait this long for Slack to answer a post (default 5000); a post that times out is recorded "unknown" and never re-sent, so that no alert is posted twice').env(
        'SGWATCH_SLACK_TIMEOUT_MS',
      ),
    )
    .addOption(
      new Option('--slack-max-failures <n>', 'after this many Slack failures in a row, stop trying Slack for the rest of the run; its remaining alerts are marked failed and the next run retries them (default 5; 0 = never stop)').env(
        'SGWATCH_SLACK_MAX_FAILURES',
      ),
    )
    .option('--sns-topic <arn>', 'publish alerts to this SNS topic with your AWS credentials')
    .option('--console-alerts', 'print each alert on stderr')
    .addOption(severityOption('--min-alert-severity <severity>', 'alert on violations at or above this severity').default('medium'))
    .option('--self-role <arn...>', "sgwatch's own remediation role(s): their revokes are linked, not alerted")
    .option(
      '--describe',
      'ask EC2 (read-only, your AWS credentials) what CloudTrail does not record: the direction of ModifySecurityGroupRules rules (without it they are judged as ingress), the name of groups named by id only (without it default-group-rule fires only when the record names the group), and the context: exposure from the network interfaces using the group, tag exceptions, prefix-list entries (without it exposure is unknown)',
    )
    .option(
      '--inventory <file...>',
      'answer the same look-ups as --describe offline, from files: the JSON output of aws ec2 describe-security-group-rules, describe-security-groups, describe-network-interfaces, describe-managed-prefix-lists, or an sgwatch-inventory snapshot (told apart by content)',
    )
    .option(
      '--assume-role-arn <pattern>',
      "with --describe or enforce: look up (and revoke) in each record's own account through this role, your credentials as the base; {account} is the record's account, e.g. arn:aws:iam::{account}:role/sgwatch-member",
    )
    .option('--no-inventory-files', 'do not use the *.inventory.json files found beside the records (by default they answer the look-ups, as --inventory would)')
    .action(async (paths: string[], flags: ReplayFlags) => {
      code = await replayCommand(paths, flags);
    });

  /** Where a read-only command reads: the embedded store, a DynamoDB endpoint, or the deployed table. */
  const readStoreOptions = (cmd: Command) =>
    cmd
      .addOption(storeOption())
      .option('--state-dir <dir>', STATE_DIR_HELP)
      .option('--dynamodb-endpoint <url>', 'read from this DynamoDB endpoint instead of the embedded store')
      .option('--table <name>', 'DynamoDB table name (default sgwatch-changes); with --region or --profile: the deployed table (the stack output ChangesTableName)')
      .option('--region <region>', 'read the deployed history table in this region with your AWS credentials (needs --table); default: AWS_REGION or the profile')
      .option('--profile <name>', 'AWS profile for the deployed table, as the aws CLI spells it; default: AWS_PROFILE')
      .option('--no-color', 'no colours');
  const storeOptions = (cmd: Command) =>
    readStoreOptions(
      cmd
        .addOption(new Option('--format <format>', 'output format (ocsf: one OCSF 1.2.0 Detection Finding per finding; csv: one row per finding, with a header)').choices(['text', 'json', 'ocsf', 'csv']).default('text'))
        .option('--limit <n>', 'at most this many records', '50')
        .option('--since <when>', 'only records since: 7d, 12h, 30m, 2w or an ISO date'),
    );

  storeOptions(program.command('history'))
    .description("A group's change history, newest first: time, actor, change, verdict, action.")
    .argument('<group-id>')
    .action(async (groupId: string, flags: QueryFlags) => {
      code = await historyCommand(groupId, flags);
    });

  storeOptions(program.command('findings'))
    .description('Recent findings across groups, newest first.')
    .addOption(severityOption('--severity <severity>', 'at or above this severity (default low)'))
    .action(async (flags: QueryFlags) => {
      code = await findingsCommand(flags);
    });

  readStoreOptions(
    program
      .command('status')
      .description('The last delivery canary of every member account and region (organisation-wide), and which went silent: exit 1 when one has sent none for 2 canary periods.')
      .option('--period <duration>', "the member stacks' CanarySchedule period: 30m, 1h, 1d", '1h')
      .addOption(new Option('--format <format>', 'json: one line per account and region').choices(['text', 'json']).default('text')),
  ).action(async (flags: StatusFlags) => {
      code = await statusCommand(flags);
    });

  const inventory = program.command('inventory').description('What the account holds now, for --inventory.');
  inventory
    .command('collect')
    .description('Write an sgwatch-inventory snapshot of one account and region (groups, rules, network interfaces, prefix lists with entries), read-only with your AWS credentials.')
    .option('--region <region>', 'the region to collect; default: AWS_REGION or the profile')
    .option('--profile <name>', 'AWS profile, as the aws CLI spells it; default: AWS_PROFILE')
    .option('-o, --output <file>', 'write the snapshot here (whole or not at all) instead of stdout')
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (flags: CollectFlags) => {
      code = await inventoryCollectCommand(flags);
    });

  program
    .command('audit')
    .description('Judge every standing rule (what no event reported) against the policy, and report what is new, standing and resolved since the last audit kept in the store.')
    .option('--inventory <file...>', 'audit these files offline: an sgwatch-inventory snapshot (sgwatch inventory collect) or the JSON of aws ec2 describe-security-groups / describe-security-group-rules / describe-network-interfaces / describe-managed-prefix-lists')
    .option('--region <region>', 'audit this region live with your AWS credentials (read-only); default: AWS_REGION or the profile')
    .option('--profile <name>', 'AWS profile, as the aws CLI spells it; default: AWS_PROFILE')
    .option('--policy <file>', 'policy file (YAML); default: the built-in policy')
    .addOption(
      new Option('--format <format>', 'json: one line per finding, per resolved finding, then a summary line; csv: one row per finding with its status; ocsf: one OCSF Detection Finding per finding (Create, Update, Close)')
        .choices(['text', 'json', 'csv', 'ocsf'])
        .default('text'),
    )
    .addOption(severityOption('--fail-on <severity>', 'exit 1 when a current finding (new or standing) reaches this severity'))
    .option('--assume-role-arn <pattern>', 'organisation-wide: read each --account live through this role, {account} filled in (e.g. arn:aws:iam::{account}:role/sgwatch-member); your credentials are the base')
    .option('--account <id...>', 'with --assume-role-arn: the accounts to audit (in --region)')
    .option('--no-save', 'compare with the last audit but do not keep this one')
    .addOption(storeOption())
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .option('--dynamodb-endpoint <url>', 'keep the audit snapshots in this DynamoDB endpoint instead of the embedded store')
    .option('--table <name>', 'DynamoDB table name (default sgwatch-changes)')
    .option('--no-color', 'no colours')
    .action(async (flags: AuditFlags) => {
      code = await auditCommand(flags);
    });

  const policy = program.command('policy').description('Check or print a policy.');
  policy
    .command('validate')
    .description('Validate a policy file; exit 2 when it has errors.')
    .argument('<file>')
    .action(async (file: string) => {
      code = await policyValidateCommand(file);
    });
  policy
    .command('show')
    .description('Print the effective policy (defaults filled in) as YAML; with --account, the one a change in that account is judged by (its overrides: merged in).')
    .option('--policy <file>', 'policy file; default: the built-in policy')
    .option('--account <id>', "the account whose effective policy to print (the policy's overrides: for its OUs, then for it)")
    .option('--ou <id...>', "the account's OU path, outermost first; default: the policy's organizationalUnits: map")
    .action(async (flags: { policy?: string; account?: string; ou?: string[] }) => {
      code = await policyShowCommand(flags.policy, { account: flags.account, ous: flags.ou });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; usage errors are bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`sgwatch: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`sgwatch: unexpected error: ${errorMessage(err)}\n`);
    if (process.env.SGWATCH_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    return 70;
  }
  return code;
}

// The library, for the benchmark and for scripts that embed sgwatch.
export { replayResults } from '../lib/replay';
export { processRecord } from '../lib/process';
export { compilePolicy, defaultPolicy, evaluate, loadPolicyFile, policyFromObject } from '../lib/policy';
export { findException } from '../lib/policy/exceptions';
export { judgeStanding } from '../lib/audit/judge-standing';
export { loadInventoryData } from '../lib/context/inventory-file';
