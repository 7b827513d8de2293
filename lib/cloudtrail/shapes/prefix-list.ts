/**
 * Managed prefix lists: CreateManagedPrefixList, ModifyManagedPrefixList and
 * RestoreManagedPrefixListVersion. Like ModifySecurityGroupRules these are
 * newer EC2 calls that CloudTrail records as the XML-derived request,
 * wrapped in `<Action>Request`:
 *
 *   "requestParameters": {"ModifyManagedPrefixListRequest": {
 *     "PrefixListId": "pl-0c3516b0e5630bf3e",
 *     "AddEntry": {"Description": "My IP Range", "cidr": "71.131.0.0/16", "tag": "1"}}}
 *
 * (a real record, shown in KodeKloud's "Demo Tracking Access with CloudTrail",
 * notes.kodekloud.com, AWS SysOps course, 2024-10). Note the lower-case
 * `cidr` beside PascalCase `Description`, and that one entry is an object:
 * several are a list (as ModifySecurityGroupRules' `SecurityGroupRule`).
 * The request members are those of the EC2 API reference
 * (ModifyManagedPrefixList: PrefixListId, AddEntry.N {Cidr, Description},
 * RemoveEntry.N {Cidr}, PrefixListName; CreateManagedPrefixList:
 * PrefixListName, Entry.N, AddressFamily, MaxEntries;
 * RestoreManagedPrefixListVersion: PrefixListId, PreviousVersion,
 * CurrentVersion). No public record of Create or Restore was found, so their
 * reading follows the same wrapping, and accepts the unwrapped form, any
 * case, and the SDK's plural names (`AddEntries`, `Entries`) as well.
 */
import type { PrefixListChange } from '../../model';
import { anyCase, asList, isObj, optString, show, ShapeError, text, type Obj } from '../fields';

function entriesOf(body: Obj, names: readonly string[], path: string): Array<{ cidr: string; description?: string }> {
  const out: Array<{ cidr: string; description?: string }> = [];
  for (const name of names) {
    const items = asList(anyCase(body, name), `${path}.${name}`);
    items.forEach((item, i) => {
      const at = items.length === 1 ? `${path}.${name}` : `${path}.${name}[${i}]`;
      if (!isObj(item)) throw new ShapeError(`${at} is ${show(item)}, expected {"Cidr": "..."}`);
      const cidr = optString(anyCase(item, 'Cidr'), `${at}.Cidr`);
      if (!cidr) throw new ShapeError(`${at} has no Cidr`);
      const description = optString(anyCase(item, 'Description'), `${at}.Description`);
      out.push(description === undefined ? { cidr } : { cidr, description });
    });
  }
  return out;
}

/** The id of the list a response names (`CreateManagedPrefixListResponse.prefixList.prefixListId`, any case, wrapped or not). */
function responseListId(response: Obj | undefined, eventName: string): string | undefined {
  if (!response) return undefined;
  const wrapped = anyCase(response, `${eventName}Response`);
  const body = isObj(wrapped) ? wrapped : response;
  const list = anyCase(body, 'PrefixList');
  return isObj(list) ? text(anyCase(list, 'PrefixListId')) : undefined;
}

export function readPrefixListRequest(eventName: string, params: Obj, response: Obj | undefined): PrefixListChange {
  const path = `requestParameters.${eventName}Request`;
  const wrapped = anyCase(params, `${eventName}Request`);
  const body = wrapped === undefined ? params : wrapped;
  if (!isObj(body)) throw new ShapeError(`${path} is ${show(wrapped)}, expected an object`);
  const prefixListId = optString(anyCase(body, 'PrefixListId'), `${path}.PrefixListId`) ?? responseListId(response, eventName) ?? null;
  const name = optString(anyCase(body, 'PrefixListName'), `${path}.PrefixListName`);
  const change: PrefixListChange = { prefixListId, added: [], removed: [] };
  if (name !== undefined) change.name = name;
  if (eventName === 'CreateManagedPrefixList') change.added = entriesOf(body, ['Entry', 'Entries'], path);
  else if (eventName === 'ModifyManagedPrefixList') {
    change.added = entriesOf(body, ['AddEntry', 'AddEntries'], path);
    change.removed = entriesOf(body, ['RemoveEntry', 'RemoveEntries'], path).map((e) => e.cidr);
  } else {
    const version = anyCase(body, 'PreviousVersion');
    const n = typeof version === 'number' ? version : typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : undefined;
    if (n !== undefined) change.restoredVersion = n;
  }
  return change;
}
