/**
 * Inventory files that travel with the records: `*.inventory.json` inside a
 * folder given to `replay` (or named on the command line) answer its
 * look-ups offline, as `--inventory` would. A folder walk never reads them as
 * records (lib/cloudtrail/read.ts walkReads). The shipped samples use one, so
 * that the quick start knows the direction of the rules that
 * ModifySecurityGroupRules changes (CloudTrail does not record it).
 */
import fs from 'node:fs';
import path from 'node:path';

/** A file name that holds an inventory, not records. */
export const INVENTORY_FILE = /\.inventory\.json$/i;

/** The inventory files among the paths (files named, or found under folders, in name order); dotfiles and dot-folders are skipped, as the walk skips them. */
export function inventoryFilesBeside(paths: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 32) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // the record walk says what is wrong with the folder
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) visit(full, depth + 1);
      else if (e.isFile() && INVENTORY_FILE.test(e.name)) found.push(full);
    }
  };
  for (const p of paths) {
    if (p === '-' || /^s3:\/\//i.test(p)) continue;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      continue;
    }
    if (stat.isDirectory()) visit(p, 0);
    else if (stat.isFile() && INVENTORY_FILE.test(p)) found.push(p);
  }
  return [...new Set(found)];
}
