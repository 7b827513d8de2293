/**
 * `npm run package:member`: writes the member template (lib/org/member-template.ts)
 * to .serverless/sgwatch-member.template.json, offline, for a service-managed
 * StackSet (README "Organisation-wide").
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { memberTemplate } from '../lib/org/member-template';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.serverless', 'sgwatch-member.template.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(memberTemplate(), null, 2)}\n`);
console.log(`member template: ${path.relative(root, out)}`);
