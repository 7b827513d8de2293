'use strict';
/**
 * Generates a CloudTrail log as CloudTrail delivers it to S3: a folder of
 * gzipped `{"Records": [...]}` files, here 500 records each, with a realistic
 * management-event mix: most records are not about security groups
 * (Describe*, AssumeRole, KMS, CloudWatch Logs, tagging, RunInstances,
 * console logins), about 8% are security-group changes of every shape.
 * Deterministic: the same count gives the same files.
 */
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCOUNT = '111122223333';
const REGIONS = ['eu-west-1', 'us-east-1', 'eu-central-1'];
const hex = (r, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};
const uuid = (r) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;

function identity(r) {
  const kind = r();
  if (kind < 0.5) {
    const role = ['deploy-role', 'ci-runner', 'app-backend', 'ReadOnly'][Math.floor(r() * 4)];
    const session = `session-${hex(r, 6)}`;
    return {
      type: 'AssumedRole',
      principalId: `AROA${hex(r, 16).toUpperCase()}:${session}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIA${hex(r, 16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: `AROA${hex(r, 16).toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, accountId: ACCOUNT, userName: role },
        webIdFederationData: {},
        attributes: { creationDate: '2026-11-01T09:00:00Z', mfaAuthenticated: 'false' },
      },
    };
  }
  if (kind < 0.8) {
    const user = ['alice', 'bob', 'carol'][Math.floor(r() * 3)];
    return { type: 'IAMUser', principalId: `AIDA${hex(r, 16).toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, accountId: ACCOUNT, accessKeyId: `AKIA${hex(r, 16).toUpperCase()}`, userName: user };
  }
  return { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' };
}

const AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.describe-instances',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 cfg/retry-mode#legacy Botocore/1.34.69',
  'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0',
  'signin.amazonaws.com',
  'autoscaling.amazonaws.com',
];

function base(r, i, eventSource, eventName, extra) {
  const region = REGIONS[Math.floor(r() * REGIONS.length)];
  const ident = identity(r);
  const t = new Date(Date.UTC(2026, 10, 1, 0, 0, 0) + i * 1700).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    eventVersion: '1.09',
    userIdentity: ident,
    eventTime: t,
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: ident.type === 'AWSService' ? 'autoscaling.amazonaws.com' : `198.51.100.${Math.floor(r() * 250)}`,
    userAgent: ident.type === 'AWSService' ? 'autoscaling.amazonaws.com' : AGENTS[Math.floor(r() * 4)],
    requestParameters: null,
    responseElements: null,
    requestID: uuid(r),
    eventID: uuid(r),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `ec2.${region}.amazonaws.com` },
    ...extra,
  };
}

const sg = (r) => `sg-0${hex(r, 16)}`;
const sgr = (r) => `sgr-0${hex(r, 16)}`;

function ingress(r, i, cidr, port, description) {
  const group = sg(r);
  const id = sgr(r);
  return base(r, i, 'ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', {
    requestParameters: {
      groupId: group,
      ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: port, toPort: port, groups: {}, ipRanges: { items: [{ cidrIp: cidr, ...(description ? { description } : {}) }] }, ipv6Ranges: {}, prefixListIds: {} }] },
    },
    responseElements: {
      requestId: uuid(r),
      _return: true,
      securityGroupRuleSet: { items: [{ groupOwnerId: ACCOUNT, groupId: group, securityGroupRuleId: id, isEgress: false, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr, ...(description ? { description } : {}) }] },
    },
  });
}

const NON_SG = [
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'DescribeInstances', { readOnly: true, requestParameters: { instancesSet: {}, filterSet: {} } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'DescribeSecurityGroups', { readOnly: true, requestParameters: { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} } }),
  (r, i) => base(r, i, 'sts.amazonaws.com', 'AssumeRole', { readOnly: true, requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/app-backend`, roleSessionName: `s-${hex(r, 8)}` }, responseElements: { credentials: { accessKeyId: `ASIA${hex(r, 16).toUpperCase()}`, expiration: 'Nov 1, 2026, 10:00:00 AM', sessionToken: hex(r, 64) }, assumedRoleUser: { assumedRoleId: `AROA${hex(r, 16)}:s`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-backend/s` } } }),
  (r, i) => base(r, i, 'kms.amazonaws.com', 'Decrypt', { readOnly: true, requestParameters: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { 'aws:lambda:FunctionArn': `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:app` } }, resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${uuid(r)}` }] }),
  (r, i) => base(r, i, 'logs.amazonaws.com', 'CreateLogStream', { requestParameters: { logGroupName: '/aws/lambda/app', logStreamName: `2026/11/01/[$LATEST]${hex(r, 32)}` } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'CreateTags', { requestParameters: { resourcesSet: { items: [{ resourceId: `i-0${hex(r, 16)}` }] }, tagSet: { items: [{ key: 'Name', value: 'web' }] } }, responseElements: { requestId: uuid(r), _return: true } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'RunInstances', { requestParameters: { instancesSet: { items: [{ imageId: `ami-0${hex(r, 16)}`, minCount: 1, maxCount: 1 }] }, instanceType: 't3.micro', groupSet: { items: [{ groupId: sg(r) }] } }, responseElements: { requestId: uuid(r), instancesSet: { items: [{ instanceId: `i-0${hex(r, 16)}`, instanceState: { code: 0, name: 'pending' } }] } } }),
  (r, i) => base(r, i, 'signin.amazonaws.com', 'ConsoleLogin', { responseElements: { ConsoleLogin: 'Success' }, additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MobileVersion: 'No', MFAUsed: 'Yes' } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'ModifyInstanceAttribute', { requestParameters: { instanceId: `i-0${hex(r, 16)}`, instanceType: { value: 't3.large' } }, responseElements: { requestId: uuid(r), _return: true } }),
];

const SG = [
  (r, i) => ingress(r, i, '0.0.0.0/0', 22),
  (r, i) => ingress(r, i, '10.20.0.0/16', 5432, 'db from app subnets'),
  (r, i) => ingress(r, i, '0.0.0.0/0', 443, 'public https'),
  (r, i) => ingress(r, i, '203.0.113.10/32', 3389, 'office RDP'),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'RevokeSecurityGroupIngress', { requestParameters: { groupId: sg(r), ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] }, ipv6Ranges: {}, prefixListIds: {} }] } }, responseElements: { requestId: uuid(r), _return: true } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'CreateSecurityGroup', { requestParameters: { groupName: `app-${hex(r, 4)}`, groupDescription: 'app servers', vpcId: `vpc-0${hex(r, 16)}` }, responseElements: { requestId: uuid(r), _return: true, groupId: sg(r) } }),
  (r, i) => base(r, i, 'ec2.amazonaws.com', 'ModifySecurityGroupRules', { requestParameters: { ModifySecurityGroupRulesRequest: { GroupId: sg(r), SecurityGroupRule: { SecurityGroupRuleId: sgr(r), SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', Description: 'temp' }, tag: 1 } } }, responseElements: { ModifySecurityGroupRulesResponse: { xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/', requestId: uuid(r), return: true } } }),
  (r, i) => ({ ...ingress(r, i, '0.0.0.0/0', 3306), errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized to perform this operation.', responseElements: null }),
];

function record(r, i, sgShare) {
  return r() < sgShare ? SG[Math.floor(r() * SG.length)](r, i) : NON_SG[Math.floor(r() * NON_SG.length)](r, i);
}

/**
 * Writes `count` records into `dir` as gzipped CloudTrail log files; returns bytes written (uncompressed).
 * `sgShare`: the share of security-group changes (0.08 realistic; 0.3 the stress mix; 0.005 a quiet account).
 * `gzip: false` writes plain `.json` files (perFile = count gives one big file).
 */
function generate(dir, count, perFile = 500, { sgShare = 0.08, gzip = true } = {}) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const r = rng(20261126);
  let bytes = 0;
  for (let f = 0, i = 0; i < count; f++) {
    const records = [];
    for (let k = 0; k < perFile && i < count; k++, i++) records.push(record(r, i, sgShare));
    const text = JSON.stringify({ Records: records });
    bytes += text.length;
    const name = `${ACCOUNT}_CloudTrail_eu-west-1_20261101T${String(f).padStart(6, '0')}Z_${hex(r, 16)}.json`;
    if (gzip) fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(text, { level: 6 }));
    else fs.writeFileSync(path.join(dir, name), text);
  }
  return bytes;
}

module.exports = { generate };
