/**
 * Who made the call, and how. Reads `userIdentity` in CloudTrail's spelling
 * and in the lower-cased spelling some pipelines produce (Panther:
 * `principalid`, `sessioncontext`, `sessionissuer`, `mfaauthenticated`).
 *
 * `via` precedence (first match wins), chosen so the tool that really issued
 * the call wins over the session it ran in:
 *   sgwatch → cloudformation → terraform → aws-service → console → sdk
 *   (automation tools: stratus, grimoire) → cli → sdk → unknown.
 * CloudFormation stacks launched from a console session carry
 * `sessionCredentialFromConsole`, so CloudFormation must come before console;
 * Terraform's user agent contains `aws-sdk-go`, so Terraform must come before sdk.
 */
import type { Actor, ActorVia } from '../model';
import { field, isObj, optBool, text, type Obj } from './fields';

const ASSUMED_ROLE = /^arn:([\w-]+):sts::(\d*):assumed-role\/([^/]+)(?:\/(.*))?$/;
const SERVICE_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;
const CONSOLE_HOST = /^console(\.[a-z0-9-]+)*\.amazonaws\.com$/;
const SDK_UA =
  /aws-sdk-|boto3\/|botocore\/|aws-cdk|aws-toolkit|awspowershell|aws-internal\/|aws-chalice|aws-amplify|aws-sam-cli|smithy|apn\/1\.0/i;

/** The role ARN behind an assumed-role session ARN (the path is unknown there). */
function roleArnFromSession(arn: string): string | undefined {
  const m = ASSUMED_ROLE.exec(arn);
  if (!m || !m[2]) return undefined;
  return `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
}

function isServiceHost(value: string | undefined): boolean {
  return (
    value !== undefined &&
    value !== 'signin.amazonaws.com' &&
    !CONSOLE_HOST.test(value) &&
    !value.includes('cloudformation.amazonaws.com') &&
    SERVICE_HOST.test(value)
  );
}

export function detectVia(a: {
  type?: string;
  userAgent?: string;
  invokedBy?: string;
  sourceIp?: string;
  roleArn?: string;
  fromConsole?: boolean;
}): ActorVia {
  const ua = a.userAgent ?? '';
  const lower = ua.toLowerCase();
  if (lower.includes('sgwatch')) return 'sgwatch';
  if (
    a.invokedBy === 'cloudformation.amazonaws.com' ||
    lower.includes('cloudformation.amazonaws.com') ||
    a.sourceIp === 'cloudformation.amazonaws.com'
  ) {
    return 'cloudformation';
  }
  if (ua.includes('Terraform/') || lower.includes('terraform-provider-aws') || lower.includes('terraform/')) {
    return 'terraform';
  }
  if (
    a.type === 'AWSService' ||
    (a.roleArn !== undefined && a.roleArn.includes(':role/aws-service-role/')) ||
    isServiceHost(a.invokedBy) ||
    isServiceHost(ua) ||
    (ua === '' && isServiceHost(a.sourceIp))
  ) {
    return 'aws-service';
  }
  if (
    ua === 'signin.amazonaws.com' ||
    a.invokedBy === 'signin.amazonaws.com' ||
    CONSOLE_HOST.test(ua) ||
    a.fromConsole === true ||
    ua.startsWith('Mozilla/')
  ) {
    return 'console';
  }
  // Attack-simulation tools drive the SDK/CLI programmatically.
  if (lower.includes('stratus-red-team') || lower.includes('grimoire')) return 'sdk';
  if (lower.includes('aws-cli/')) return 'cli';
  if (SDK_UA.test(ua)) return 'sdk';
  return 'unknown';
}

/** Actor from a record's userIdentity, sourceIPAddress, userAgent. Never throws. */
export function readActor(rec: Obj): Actor {
  const ui: Obj = isObj(rec.userIdentity) ? rec.userIdentity : {};
  const session = field(ui, 'sessionContext');
  const sc: Obj = isObj(session) ? session : {};
  const issuerRaw = field(sc, 'sessionIssuer');
  const issuer: Obj = isObj(issuerRaw) ? issuerRaw : {};
  const attrsRaw = field(sc, 'attributes');
  const attrs: Obj = isObj(attrsRaw) ? attrsRaw : {};

  const arn = text(field(ui, 'arn'));
  const type = text(field(ui, 'type'));
  const invokedBy = text(field(ui, 'invokedBy'));
  const sourceIp = text(rec.sourceIPAddress);
  const userAgent = text(rec.userAgent);

  const issuerType = text(field(issuer, 'type'));
  let roleArn = issuerType === undefined || issuerType === 'Role' ? text(field(issuer, 'arn')) : undefined;
  if (roleArn === undefined && arn !== undefined && type === 'AssumedRole') roleArn = roleArnFromSession(arn);

  let name = text(field(ui, 'userName'));
  if (name === undefined && arn !== undefined) {
    const m = ASSUMED_ROLE.exec(arn);
    if (m) name = m[4] ? `${m[3]}/${m[4]}` : m[3];
    else if (type === 'Root' || arn.endsWith(':root')) name = 'root';
    else {
      const slash = arn.indexOf('/');
      if (slash > 0) name = arn.slice(slash + 1);
    }
  }
  if (name === undefined && type === 'AWSService') name = invokedBy;

  const actor: Actor = {
    via: detectVia({
      type,
      userAgent,
      invokedBy,
      sourceIp,
      roleArn,
      fromConsole: optBool(rec.sessionCredentialFromConsole),
    }),
  };
  if (arn !== undefined) actor.arn = arn;
  if (type !== undefined) actor.type = type;
  const principalId = text(field(ui, 'principalId'));
  if (principalId !== undefined) actor.principalId = principalId;
  const accountId = text(field(ui, 'accountId'));
  if (accountId !== undefined) actor.accountId = accountId;
  if (name !== undefined) actor.name = name;
  if (roleArn !== undefined) actor.roleArn = roleArn;
  if (sourceIp !== undefined) actor.sourceIp = sourceIp;
  if (userAgent !== undefined) actor.userAgent = userAgent;
  if (invokedBy !== undefined) actor.invokedBy = invokedBy;
  const mfa = optBool(field(attrs, 'mfaAuthenticated'));
  if (mfa !== undefined) actor.mfa = mfa;
  return actor;
}
