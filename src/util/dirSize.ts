// Bytes under a directory, as `du --apparent-size` counts them; what cannot be read
// (a subordinate id's private directory) counts as nothing rather than failing a listing.
import {lstatSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

export function dirSize(p: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(p, {withFileTypes: true});
  } catch {
    return 0;
  }
  for (const e of entries) {
    const f = join(p, e.name);
    if (e.isDirectory()) total += dirSize(f);
    else try { total += lstatSync(f).size; } catch {}
  }
  return total;
}
