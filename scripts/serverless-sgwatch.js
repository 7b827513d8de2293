'use strict';
/**
 * Local osls plugin (serverless.yml `plugins`): what sgwatch checks and fixes at
 * package time, so that mistakes fail `osls package`/`deploy`, never the Lambda.
 *
 * - Checks the stage parameters (remediationMode, minAlertSeverity,
 *   retentionDays, slackWebhookParameter, storeKind, consoleAlerts) with the
 *   Lambda's own parser (lib/pipeline/config.ts parseHandlerConfig), run on the
 *   resolved function environment, and the policyFile with the real policy
 *   loader. Errors name the parameter, its value and what is expected, and are
 *   ServerlessErrors: one message, no stack trace, exit code 1.
 * - `auditRegions` and `orgAuditMaxTries` (custom.sgwatch): with the
 *   Organization-wide audit's parsers (lib/org/audit-settings.ts).
 * - `watchedVpcs` (custom.sgwatch.watchedVpcs): VPC ids only, and
 *   `${sgwatch:watchedVpcArnPatterns}`, their ec2:Vpc patterns for the
 *   revoke grant's VPC scope.
 * - `${sgwatch:slackWebhookParameterArnPath}`: the Slack webhook parameter's
 *   name as it appears in its ARN (`parameter/name`), with or without the
 *   name's leading `/`, so the SSM grant is that one parameter.
 * - Removes the `<function>-<pid>-...` folders serverless-esbuild leaves in the
 *   temp directory at every package (its scoped clean-up cannot remove a
 *   non-empty folder): only those of this process.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { compilePolicy, loadTsModule } = require('../esbuild.config.js');

/** Values for the variables CloudFormation fills in at deploy time, shaped as the Lambda will see them. */
const CLOUDFORMATION_PLACEHOLDERS = {
  TABLE_NAME: 'sgwatch-table',
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sgwatch-alerts',
  SELF_ROLE_ARNS: 'arn:aws:iam::123456789012:role/sgwatch-lambda',
};

/** The problems (one line each) with the stage parameters, as the Lambda would report them. */
/** A VPC id as EC2 writes it (8 or 17 hex digits). */
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** `watchedVpcs` (`vpc-0a1b2c3d,vpc-...`, commas or spaces) as a list of ids; '' is none (every VPC). */
function watchedVpcIds(value) {
  return String(value ?? '')
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

function watchedVpcProblems(value) {
  const bad = watchedVpcIds(value).filter((id) => !VPC_ID.test(id));
  return bad.length ? [`parameter watchedVpcs has ${bad.map((b) => JSON.stringify(b)).join(', ')}; expected VPC ids (vpc- and 8 or 17 hex digits) separated by commas, or empty for every VPC`] : [];
}

/** An EventBridge schedule expression: rate(N unit) with the unit's number agreeing, or cron(6 fields). */
const RATE = /^rate\((?:1 (?:minute|hour|day)|(?:[2-9]|[1-9]\d+) (?:minutes|hours|days))\)$/;
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

function auditScheduleProblems(value) {
  if (value === undefined) return [];
  const v = String(value);
  return RATE.test(v) || CRON.test(v) ? [] : [`parameter auditSchedule is ${JSON.stringify(v)}; expected an EventBridge schedule: rate(1 day), rate(12 hours), or cron(min hour day month weekday year)`];
}

/** auditRegions and orgAuditMaxTries, with the Organization-wide audit's own parsers (lib/org/audit-settings.ts). */
function orgAuditProblems(serviceDir, auditRegions, orgAuditMaxTries) {
  const settings = loadTsModule(serviceDir, 'lib/org/audit-settings.ts');
  const problems = [];
  for (const check of [() => settings.parseAuditRegions(auditRegions, 'parameter auditRegions'), () => settings.parseMaxTries(orgAuditMaxTries === undefined ? undefined : String(orgAuditMaxTries), 'parameter orgAuditMaxTries')]) {
    try {
      check();
    } catch (err) {
      problems.push(err.message);
    }
  }
  return problems;
}

function stageProblems(serviceDir, environment, policyFile, watchedVpcs, auditSchedule, org = {}) {
  const config = loadTsModule(serviceDir, 'lib/pipeline/config.ts');
  const env = {};
  for (const [name, value] of Object.entries(environment || {})) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') {
      if (CLOUDFORMATION_PLACEHOLDERS[name]) env[name] = CLOUDFORMATION_PLACEHOLDERS[name];
    } else env[name] = String(value);
  }
  const label = (variable) => (config.STAGE_PARAMETERS[variable] ? `parameter ${config.STAGE_PARAMETERS[variable]}` : `provider.environment.${variable}`);
  const problems = [];
  try {
    config.parseHandlerConfig(env, label);
  } catch (err) {
    if (!Array.isArray(err && err.problems)) throw err;
    problems.push(...err.problems);
  }
  problems.push(...watchedVpcProblems(watchedVpcs));
  problems.push(...auditScheduleProblems(auditSchedule));
  problems.push(...orgAuditProblems(serviceDir, org.auditRegions, org.orgAuditMaxTries));
  if (policyFile !== undefined) {
    const compiled = compilePolicy(serviceDir, path.resolve(serviceDir, policyFile), policyFile);
    if (compiled.error) problems.push(`parameter policyFile: ${compiled.error}`);
  }
  return problems;
}

/** Removes this process's serverless-esbuild zip staging folders (`<name>-<pid>-<ms>-<hex8>`). */
function removeStagingFolders(names, pid = process.pid, dir = os.tmpdir()) {
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^(?:${names.map(escape).join('|')})-${pid}-\\d+-[0-9a-f]{8}$`);
  let entries = [];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) if (pattern.test(e)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
}

const serverlessDir = (sls) => sls.serviceDir || sls.config.serviceDir || process.cwd();

class SgwatchPackageChecks {
  constructor(serverless) {
    this.serverless = serverless;
    this.configurationVariablesSources = {
      sgwatch: {
        async resolve({ address, resolveVariable }) {
          if (address === 'watchedVpcArnPatterns') {
            // The ec2:Vpc values of the revoke grant's VPC scope; the account and region are already in the resource ARN.
            const ids = watchedVpcIds(await resolveVariable('param:watchedVpcs')).filter((id) => VPC_ID.test(id));
            return { value: ids.length ? ids.map((id) => `arn:*:ec2:*:*:vpc/${id}`) : ['arn:*:ec2:*:*:vpc/none'] };
          }
          if (address !== 'slackWebhookParameterArnPath') throw new serverless.classes.Error(`\${sgwatch:${address}}: unknown; sgwatch provides slackWebhookParameterArnPath and watchedVpcArnPatterns`);
          const name = String((await resolveVariable('param:slackWebhookParameter')) ?? '').trim();
          return { value: name === '' ? '' : loadTsModule(serverlessDir(serverless), 'lib/pipeline/config.ts').ssmParameterArnPath(name) };
        },
      },
    };
    this.hooks = { initialize: () => this.check() };
    process.once('exit', () => removeStagingFolders([...Object.keys(serverless.service.functions || {}), serverless.service.service].filter(Boolean)));
  }

  check() {
    const sls = this.serverless;
    const serviceDir = serverlessDir(sls);
    const custom = (sls.service.custom && sls.service.custom.sgwatch) || {};
    const problems = stageProblems(serviceDir, sls.service.provider.environment, custom.policyFile, custom.watchedVpcs, custom.auditSchedule, custom);
    if (problems.length > 0) {
      throw new sls.classes.Error(`sgwatch: invalid stage parameters (serverless.yml params or --param):\n  ${problems.join('\n  ')}`);
    }
  }
}

module.exports = SgwatchPackageChecks;
module.exports.stageProblems = stageProblems;
module.exports.CLOUDFORMATION_PLACEHOLDERS = CLOUDFORMATION_PLACEHOLDERS;
module.exports.removeStagingFolders = removeStagingFolders;
