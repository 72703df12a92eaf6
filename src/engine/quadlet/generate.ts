// `tspod quadlet`: the engine side of the systemd user generator. With an output
// directory (what systemd passes a generator) it writes each unit there, atomically,
// and links it into TARGET.wants for its [Install] WantedBy=; with dryrun it only
// returns the units for printing.
import {mkdirSync, symlinkSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {writeFileAtomic} from '../../util/atomicWrite';
import {generateAll, quadletDirs} from './quadlet';
import type {GeneratedUnit} from './quadlet';

export interface QuadletOptions {
  outputDir?: string | undefined;
  dryrun?: boolean;
  /** Extra folders to read first (tests; podman's QUADLET_UNIT_DIRS). */
  dirs?: Array<string>;
}

export async function quadlet(ctx: EngineContext, o: QuadletOptions): Promise<Array<GeneratedUnit>> {
  const tspod = [process.execPath, join(ctx.installDir, `dist/tspod.js`)];
  const units = generateAll([...(o.dirs ?? []), ...quadletDirs(ctx.paths.userContainersConfig, process.getuid?.() ?? 0)], {tspod});
  if (o.dryrun || !o.outputDir) return units;
  mkdirSync(o.outputDir, {recursive: true});
  for (const u of units) {
    await writeFileAtomic(join(o.outputDir, u.service), u.text, {fsync: false});
    for (const target of u.wantedBy) {
      const wants = join(o.outputDir, `${target}.wants`);
      mkdirSync(wants, {recursive: true});
      rmSync(join(wants, u.service), {force: true});
      symlinkSync(join(o.outputDir, u.service), join(wants, u.service));
    }
  }
  return units;
}
