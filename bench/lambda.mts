/**
 * Lambda functions: zipped bundle size and cold start on this machine.
 *
 *   npx tsx bench/lambda.mts            (also run by `npm run bench`)
 *
 * For every AWS::Lambda::Function of the packaged template
 * (.serverless/cloudformation-template-update-stack.json, from
 * `osls package --stage dev`; re-packaged when a source is newer than the
 * artifacts) it reports the zip size (target ≤ 1 MB) and the cold start: a
 * FRESH node process requires the handler file of the unzipped artifact
 * (load) and handles one EventBridge event (first invocation), median of
 * LAMBDA_RUNS (5) processes, target load + first invocation ≤ 300 ms.
 *
 * Local stand-ins, nothing leaves 127.0.0.1:
 *  - DynamoDB: dynalite started here (in memory), passed as DYNAMODB_ENDPOINT;
 *  - SNS and EC2: a recorder here that answers Publish / Revoke* /
 *    DescribeSecurityGroupRules like AWS (XML), reached through the SDK's
 *    standard AWS_ENDPOINT_URL — the clients are built, sign and send
 *    real HTTP requests as in the cloud;
 *  - no Slack (the dev stage has no webhook parameter, so SSM is never called);
 *  - in the child, any DNS look-up (any host name but an IP) throws.
 * Scenarios: the function's dev-stage environment (dry-run: store + SNS),
 * and the same with REMEDIATION_MODE=enforce (store + EC2 revoke + SNS).
 * Every run handles a new event (fresh eventID): a first delivery, not a duplicate.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { startEmbeddedStore } from '../lib/store/embedded';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the parent's own SDK clients (Node 20 warning)
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const slsDir = path.join(root, '.serverless');
const templatePath = path.join(slsDir, 'cloudformation-template-update-stack.json');
const ZIP_TARGET = 1024 * 1024;
const COLD_TARGET_MS = 300;

type Json = Record<string, any>;

export interface ColdStart {
  scenario: string;
  runs: number;
  loadMs: number;
  invokeMs: number;
  totalMs: number;
  /** Every run's total, for spread. */
  totals: number[];
  result: unknown;
  awsCalls: string[];
}

export interface FunctionReport {
  logicalId: string;
  functionName: string;
  handler: string;
  zip: string;
  zipBytes: number;
  bundleBytes: number;
  coldStarts: ColdStart[];
}

// ---------------------------------------------------------------- packaging

/** Files the bundle is built from; the package is reused only if it is newer than all of them. */
function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    } else if (st.mtimeMs > newest.mtimeMs) newest = { file: path.relative(root, p), mtimeMs: st.mtimeMs };
  };
  for (const p of ['handlers', 'lib', 'serverless.yml', 'esbuild.config.js', 'package.json', 'package-lock.json', 'tsconfig.json']) visit(path.join(root, p));
  return newest;
}

function lambdaFunctions(template: Json): [string, Json][] {
  return Object.entries(template.Resources as Record<string, Json>).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
}

const zipOf = (fn: Json) => path.join(slsDir, path.basename(String(fn.Properties.Code.S3Key)));

// Written after the bench's own packaging: .serverless/ is reused only if the bench packaged it
// (the deploy tests package there too, with other stage parameters such as a Slack webhook).
const stampPath = () => path.join(slsDir, 'bench-package.stamp');
const templateStamp = () => `dev ${fs.statSync(templatePath).mtimeMs}`;

/** Reuses .serverless/ when the bench packaged it and every artifact is newer than every source; packages (offline) otherwise. */
export function ensurePackage(log: (s: string) => void = () => undefined): { template: Json; packaged: boolean } {
  const src = newestSource();
  const ours = fs.existsSync(templatePath) && fs.existsSync(stampPath()) && fs.readFileSync(stampPath(), 'utf8') === templateStamp();
  if (ours) {
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
    const fns = lambdaFunctions(template);
    const fresh = fns.length > 0 && fns.every(([, fn]) => fs.existsSync(zipOf(fn)) && fs.statSync(zipOf(fn)).mtimeMs > src.mtimeMs);
    if (fresh) return { template, packaged: false };
  }
  log(`  packaging (osls package --stage dev; newest source: ${src.file || 'none'}) ...`);
  const r = spawnSync('npx', ['osls', 'package', '--stage', 'dev', '--region', 'us-east-1'], {
    cwd: root,
    encoding: 'utf8',
    // Offline: dummy credentials, no telemetry.
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY', AWS_SECRET_ACCESS_KEY: 'package-only', AWS_PROFILE: '', SLS_TELEMETRY_DISABLED: '1' },
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`osls package failed (${r.status}): ${r.stderr || r.stdout}`);
  fs.writeFileSync(stampPath(), templateStamp());
  return { template: JSON.parse(fs.readFileSync(templatePath, 'utf8')), packaged: true };
}

// ---------------------------------------------------------------- unzip (stored + deflate, enough for osls' archives)

export function unzip(zipFile: string, destDir: string): void {
  const buf = fs.readFileSync(zipFile);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipFile}: not a zip file (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    const target = path.resolve(destDir, name);
    if (!target.startsWith(path.resolve(destDir) + path.sep)) throw new Error(`${zipFile}: entry ${name} escapes the folder`);
    if (name.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
      continue;
    }
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + compSize);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (method === 0) fs.writeFileSync(target, data);
    else if (method === 8) fs.writeFileSync(target, zlib.inflateRawSync(data));
    else throw new Error(`${zipFile}: entry ${name} uses compression method ${method}`);
  }
}

// ---------------------------------------------------------------- AWS stand-in (SNS, EC2) on 127.0.0.1

interface StandIn {
  endpoint: string;
  calls: string[];
  close(): Promise<void>;
}

const xml = (action: string, ns: string, inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${ns}">${inner}</${action}Response>`;

async function startAwsStandIn(): Promise<StandIn> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? `${req.method} ${req.url}`;
      const service = /\/(sns|ec2)\//.exec(String(req.headers.authorization))?.[1] ?? 'unknown';
      calls.push(`${service}:${action}`);
      const id = randomUUID();
      let out: string | undefined;
      if (service === 'sns' && action === 'Publish') {
        out = xml('Publish', 'http://sns.amazonaws.com/doc/2010-03-31/', `<PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata>`);
      } else if (service === 'ec2' && /^RevokeSecurityGroup(Ingress|Egress)$/.test(action)) {
        out = xml(action, 'http://ec2.amazonaws.com/doc/2016-11-15/', `<requestId>${id}</requestId><return>true</return>`);
      } else if (service === 'ec2' && action === 'DescribeSecurityGroupRules') {
        out = xml(action, 'http://ec2.amazonaws.com/doc/2016-11-15/', `<requestId>${id}</requestId><securityGroupRuleSet/>`);
      }
      if (out) {
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': id }).end(out);
      } else {
        // Anything else is a bench defect: answer like AWS would to an unknown action.
        res.writeHead(400, { 'content-type': 'text/xml' }).end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>bench stand-in: ${action}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ---------------------------------------------------------------- cold start

function run(cmd: string, args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout = (stdout + c).slice(-20_000)));
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The function's environment from the template, CloudFormation references replaced by the local stand-ins. */
function functionEnv(fn: Json, refs: Record<string, string>): Record<string, string> {
  const vars = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'string') out[k] = v;
    else if (k in refs) out[k] = refs[k];
    else throw new Error(`bench: no local stand-in for ${k} = ${JSON.stringify(v)}`);
  }
  return out;
}

function pickEvent(): Json {
  const candidates = [
    path.join(root, 'test/handlers/fixtures/authorize-world-all-ports.eventbridge.json'),
    path.join(root, 'events/formats/eventbridge-port-range-20-25-open-to-world.json'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) throw new Error('bench: no EventBridge sample event found');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export interface LambdaBenchOptions {
  runs?: number;
  /** Write a .cpuprofile per run into this folder (node --cpu-prof). */
  cpuProfDir?: string;
  log?: (s: string) => void;
  /** Only these scenarios (default: both). */
  scenarios?: ('deployed' | 'enforce')[];
}

export async function benchLambda(opts: LambdaBenchOptions = {}): Promise<FunctionReport[]> {
  const runs = opts.runs ?? Number(process.env.LAMBDA_RUNS ?? 5);
  const log = opts.log ?? ((s: string) => console.log(s));
  const { template } = ensurePackage(log);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sgwatch-lambda-bench-'));
  const sample = pickEvent();
  const account = String(sample.account ?? sample.detail?.recipientAccountId ?? '000000000000');
  const region = String(sample.region ?? 'us-east-1');
  const store = await startEmbeddedStore({ inMemory: true, tableName: 'sgwatch-bench' });
  const aws = await startAwsStandIn();
  const reports: FunctionReport[] = [];
  try {
    for (const [logicalId, fn] of lambdaFunctions(template)) {
      const zip = zipOf(fn);
      const dir = path.join(work, logicalId);
      unzip(zip, dir);
      const handler = String(fn.Properties.Handler);
      const dot = handler.lastIndexOf('.');
      const bundle = path.join(dir, `${handler.slice(0, dot)}.js`);
      const exportName = handler.slice(dot + 1);
      const functionName = typeof fn.Properties.FunctionName === 'string' ? fn.Properties.FunctionName : logicalId;
      const env = functionEnv(fn, {
        TABLE_NAME: store.tableName,
        ALERT_TOPIC_ARN: `arn:aws:sns:${region}:${account}:sgwatch-bench-alerts`,
        // sgwatch runs in the account it watches (the remediator refuses other accounts).
        SELF_ROLE_ARNS: `arn:aws:iam::${account}:role/sgwatch-bench-lambda`,
        // A single-account stack (no orgId): no Organization audit queue, as deployed.
        ORG_AUDIT_QUEUE_URL: '',
      });
      // The scheduled audit takes no CloudTrail event and reads a whole account: its bundle size is
      // reported, its run is measured by bench/audit.mts (the same judgement, at account scale).
      const scheduled = Array.isArray(fn.Properties.Role?.['Fn::GetAtt']) && fn.Properties.Role['Fn::GetAtt'][0] === 'AuditRole';
      const scenarios: { name: string; env: Record<string, string> }[] = scheduled
        ? []
        : [
            { name: `deployed (${env.REMEDIATION_MODE ?? 'off'})`, env },
            { name: 'enforce', env: { ...env, REMEDIATION_MODE: 'enforce' } },
          ].filter((_s, i) => !opts.scenarios || opts.scenarios.includes(i === 0 ? 'deployed' : 'enforce'));
      const coldStarts: ColdStart[] = [];
      for (const scenario of scenarios) {
        const samples: { loadMs: number; invokeMs: number; result: unknown }[] = [];
        const callsBefore = aws.calls.length;
        for (let i = 0; i < runs; i++) {
          const event = structuredClone(sample);
          event.id = randomUUID();
          if (event.detail) event.detail.eventID = randomUUID();
          const evFile = path.join(work, `event-${logicalId}-${i}.json`);
          const resFile = path.join(work, `result-${logicalId}-${i}.json`);
          fs.writeFileSync(evFile, JSON.stringify(event));
          fs.rmSync(resFile, { force: true });
          const childEnv: Record<string, string> = {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? os.tmpdir(),
            TZ: 'UTC',
            LANG: 'C.UTF-8',
            // What the Lambda runtime sets.
            AWS_REGION: region,
            AWS_DEFAULT_REGION: region,
            AWS_EXECUTION_ENV: String(fn.Properties.Runtime ? `AWS_Lambda_${fn.Properties.Runtime}` : 'AWS_Lambda_nodejs22.x'),
            AWS_LAMBDA_FUNCTION_NAME: functionName,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.Properties.MemorySize ?? 128),
            AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
            AWS_LAMBDA_LOG_FORMAT: String(fn.Properties.LoggingConfig?.LogFormat ?? 'Text'),
            AWS_LAMBDA_LOG_LEVEL: String(fn.Properties.LoggingConfig?.ApplicationLogLevel ?? 'INFO'),
            AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
            LAMBDA_TASK_ROOT: dir,
            // Session credentials that are no one's; no profile, no IMDS.
            AWS_ACCESS_KEY_ID: 'ASIABENCHLOCALONLY00',
            AWS_SECRET_ACCESS_KEY: 'bench-local-only',
            AWS_SESSION_TOKEN: 'bench-local-only',
            AWS_EC2_METADATA_DISABLED: 'true',
            // Every SDK client → the local stand-ins.
            AWS_ENDPOINT_URL: aws.endpoint,
            AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
            ...scenario.env,
            DYNAMODB_ENDPOINT: store.endpoint,
            SGWATCH_BENCH_LOCAL_ONLY: '1',
            // Node 20 only (the runtime is Node 22): the SDK's "upgrade Node" warning is not part of a cold start there.
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          };
          const args = [
            ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir, '--cpu-prof-interval', '100'] : []),
            path.join(here, 'lambda-cold.cjs'),
            bundle,
            exportName,
            evFile,
            resFile,
          ];
          // Asynchronously: the stand-ins live in this process's event loop.
          const r = await run(process.execPath, args, { cwd: dir, env: childEnv, timeoutMs: 60_000 });
          const out = fs.existsSync(resFile) ? JSON.parse(fs.readFileSync(resFile, 'utf8')) : undefined;
          if (r.status !== 0 || !out || out.error) {
            throw new Error(`cold start of ${functionName} (${scenario.name}) failed: ${out?.error ?? `exit ${r.status}`}\n${(r.stderr || '').slice(-2000)}\n${(r.stdout || '').slice(-2000)}`);
          }
          samples.push(out);
        }
        const totals = samples.map((s) => s.loadMs + s.invokeMs);
        const awsCalls = [...new Set(aws.calls.slice(callsBefore))];
        coldStarts.push({
          scenario: scenario.name,
          runs,
          loadMs: median(samples.map((s) => s.loadMs)),
          invokeMs: median(samples.map((s) => s.invokeMs)),
          totalMs: median(totals),
          totals,
          result: samples[samples.length - 1].result,
          awsCalls,
        });
      }
      reports.push({
        logicalId,
        functionName,
        handler,
        zip: path.relative(root, zip),
        zipBytes: fs.statSync(zip).size,
        bundleBytes: fs.statSync(bundle).size,
        coldStarts,
      });
    }
  } finally {
    await aws.close();
    await store.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return reports;
}

export function printLambdaReport(reports: FunctionReport[], log: (s: string) => void = (s) => console.log(s)): void {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  for (const r of reports) {
    const ok = r.zipBytes <= ZIP_TARGET;
    log(`  ${r.functionName} (${r.handler})`);
    log(`    zipped bundle  ${kb(r.zipBytes).padStart(8)}  (${r.zip}; unzipped ${kb(r.bundleBytes)})   target ≤ 1 MB ${ok ? 'ok' : 'MISSED'}`);
    if (r.coldStarts.length === 0) log('    no CloudTrail event (the scheduled audit or its SQS workers): the audit is measured in "Audit of standing rules" below');
    for (const c of r.coldStarts) {
      const hit = c.totalMs <= COLD_TARGET_MS;
      const res = c.result as { status?: string; alert?: string; remediation?: string } | undefined;
      log(
        `    cold start, ${c.scenario.padEnd(17)} load ${c.loadMs.toFixed(0).padStart(4)} ms + first event ${c.invokeMs.toFixed(0).padStart(4)} ms = ${c.totalMs.toFixed(0).padStart(4)} ms` +
          `   target ≤ ${COLD_TARGET_MS} ms ${hit ? 'ok' : 'MISSED'}   (median of ${c.runs} fresh processes; totals ${c.totals.map((t) => t.toFixed(0)).join(', ')})`,
      );
      log(`      event → ${res?.status ?? '?'}, alert ${res?.alert ?? '?'}, remediation ${res?.remediation ?? '?'}; AWS calls (local stand-ins): ${c.awsCalls.join(', ') || 'none'} + DynamoDB (dynalite)`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/lambda.mts')) {
  const cpuProfDir = process.env.LAMBDA_CPU_PROF_DIR;
  console.log('Lambda functions');
  const reports = await benchLambda({ cpuProfDir });
  printLambdaReport(reports);
  if (cpuProfDir) console.log(`  CPU profiles: ${cpuProfDir}`);
}
