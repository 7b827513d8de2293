/**
 * The `sgwatch-sdk-schemas` esbuild plugin of esbuild.config.js: it rewrites
 * the AWS SDK's generated schema modules so that esbuild can drop the shapes
 * the Lambda never uses. It must change the size, never the behaviour: an
 * EC2 client bundled with the plugin sends byte-identical requests, and
 * parses responses identically, to the unbundled SDK the tests run against.
 * Both talk to the same local HTTP server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeSecurityGroupRulesCommand, EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';

const root = join(__dirname, '..', '..');
const config = createRequire(join(root, 'package.json'))('./esbuild.config.js') as {
  sdkSchemaPlugin: () => Plugin;
  inlineSchemaKeys: (source: string) => string;
};

const DESCRIBE_XML = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupRulesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <securityGroupRuleSet>
    <item>
      <securityGroupRuleId>sgr-0123456789abcdef0</securityGroupRuleId>
      <groupId>sg-0123456789abcdef0</groupId>
      <groupOwnerId>111122223333</groupOwnerId>
      <isEgress>false</isEgress>
      <ipProtocol>tcp</ipProtocol>
      <fromPort>22</fromPort>
      <toPort>22</toPort>
      <cidrIpv4>0.0.0.0/0</cidrIpv4>
      <description>ssh &lt;!channel&gt;</description>
      <tagSet><item><key>team</key><value>net</value></item></tagSet>
    </item>
  </securityGroupRuleSet>
</DescribeSecurityGroupRulesResponse>`;
const revokeXml = (action: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><return>true</return><revokedSecurityGroupRuleSet><item><securityGroupRuleId>sgr-0123456789abcdef0</securityGroupRuleId><groupId>sg-0123456789abcdef0</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><cidrIpv4>0.0.0.0/0</cidrIpv4></item></revokedSecurityGroupRuleSet></${action}Response>`;

let server: Server;
let endpoint: string;
let bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${body}`);
      const action = new URLSearchParams(body).get('Action') ?? '';
      res.writeHead(200, { 'content-type': 'text/xml' }).end(action === 'DescribeSecurityGroupRules' ? DESCRIBE_XML : revokeXml(action));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

/** The calls sgwatch's remediator makes, with every field it can send (rule ids, permissions with ranges, descriptions, prefix lists, groups). */
const SCRIPT = `
import { EC2Client, RevokeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand, DescribeSecurityGroupRulesCommand } from '@aws-sdk/client-ec2';
export async function calls(endpoint) {
  const client = new EC2Client({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
  const out = [];
  out.push(await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: ['sgr-0123456789abcdef0', 'sgr-0fedcba9876543210'] })));
  out.push(await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', IpPermissions: [
    { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/1' }, { CidrIp: '128.0.0.0/1', Description: 'x <https://a|b>' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-12345678' }], UserIdGroupPairs: [{ GroupId: 'sg-0aaaaaaaaaaaaaaaa', UserId: '111122223333' }] },
  ] })));
  out.push(await client.send(new RevokeSecurityGroupEgressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: ['sgr-0123456789abcdef0'], DryRun: true })));
  out.push(await client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-0123456789abcdef0'] }, { Name: 'security-group-rule-id', Values: ['sgr-0123456789abcdef0'] }] })));
  client.destroy();
  return out.map(({ $metadata, ...rest }) => rest);
}
`;

async function bundleScript(plugins: Plugin[]): Promise<{ code: string; metafile: Metafile }> {
  const out = await build({
    stdin: { contents: SCRIPT, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    plugins,
  });
  return { code: out.outputFiles[0].text, metafile: out.metafile };
}

function load(code: string): { calls(endpoint: string): Promise<unknown[]> } {
  const m = new Module(join(root, 'sdk-schemas-bundle.js'));
  (m as unknown as { _compile(code: string, file: string): void })._compile(code, m.id);
  return m.exports as { calls(endpoint: string): Promise<unknown[]> };
}

const schemaBytes = (meta: Metafile) =>
  Object.values(meta.outputs)
    .flatMap((o) => Object.entries(o.inputs))
    .filter(([f]) => /client-ec2[\\/]dist-es[\\/]schemas[\\/]/.test(f))
    .reduce((n, [, v]) => n + v.bytesInOutput, 0);

describe('AWS SDK schema plugin', () => {
  it('sends the same requests and parses the same responses as the unbundled SDK, with most EC2 schemas dropped', async () => {
    const withPlugin = await bundleScript([config.sdkSchemaPlugin()]);
    const without = await bundleScript([]);
    bodies = [];
    const bundled = await load(withPlugin.code).calls(endpoint);
    const bundledBodies = bodies;

    bodies = [];
    const client = new EC2Client({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
    const direct: unknown[] = [];
    direct.push(await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: ['sgr-0123456789abcdef0', 'sgr-0fedcba9876543210'] })));
    direct.push(
      await client.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: 'sg-0123456789abcdef0',
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/1' }, { CidrIp: '128.0.0.0/1', Description: 'x <https://a|b>' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
            { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-12345678' }], UserIdGroupPairs: [{ GroupId: 'sg-0aaaaaaaaaaaaaaaa', UserId: '111122223333' }] },
          ],
        }),
      ),
    );
    direct.push(await client.send(new RevokeSecurityGroupEgressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: ['sgr-0123456789abcdef0'], DryRun: true })));
    direct.push(
      await client.send(
        new DescribeSecurityGroupRulesCommand({
          Filters: [
            { Name: 'group-id', Values: ['sg-0123456789abcdef0'] },
            { Name: 'security-group-rule-id', Values: ['sgr-0123456789abcdef0'] },
          ],
        }),
      ),
    );
    client.destroy();

    expect(bodies).toHaveLength(4);
    expect(bundledBodies).toEqual(bodies);
    expect(bodies[0]).toContain('SecurityGroupRuleId.1=sgr-0123456789abcdef0');
    expect(bodies[1]).toContain('IpPermissions.1.IpRanges.2.Description=x%20%3Chttps%3A%2F%2Fa%7Cb%3E');
    expect(bundled).toEqual(direct.map((d) => ({ ...(d as Record<string, unknown>), $metadata: undefined })).map(({ $metadata: _m, ...rest }) => rest));
    expect((bundled[3] as { SecurityGroupRules: { Description: string; Tags: unknown[] }[] }).SecurityGroupRules[0]).toMatchObject({
      Description: 'ssh <!channel>',
      IsEgress: false,
      Tags: [{ Key: 'team', Value: 'net' }],
    });
    // The point of the plugin: the EC2 schemas shrink from every operation's to the few used.
    expect(schemaBytes(without.metafile)).toBeGreaterThan(300_000);
    expect(schemaBytes(withPlugin.metafile)).toBeLessThan(30_000);
  }, 60_000);

  it('inlines only keys whose constant is one plain string literal', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _q = "a\\\\"b";',
      'const _d = "one";',
      'const _d = "two";',
      'let _l = "let";',
      'export var A$ = [3, n0, _xN, 0, [_xN], [[() => B$, { [_xN]: _xN, [_q]: 1, [_d]: 2, [_l]: 3, [_missing]: 4 }]]];',
    ].join('\n');
    const out = config.inlineSchemaKeys(source).split('\n').pop();
    expect(out).toBe('export var A$ = [3, n0, _xN, 0, [_xN], [[() => B$, { ["xmlName"]: _xN, [_q]: 1, [_d]: 2, [_l]: 3, [_missing]: 4 }]]];');
  });
});
