// Entry point of `dist/apply-worker.js`: runs as root inside the user namespace
// (`tspod-helper userns -- node dist/apply-worker.js`) and serves one pull's worth
// of requests, so Node starts once per pull, not once per layer.
//
// Protocol (see WorkerClient.ts): JSON lines.
//   worker → `{"ready":true,"pid":N,"uidMap":"…","gidMap":"…"}` once at start
//   client → `{"id":1,"op":"apply","blob":"/…/sha256/ab…","target":"/…/diff","whiteouts":"overlay","expectedDiffID":"sha256:…","user":"alice"}`
//   client → `{"id":2,"op":"copy","from":"/…/dir/A","to":"/…/dir/B"}`   (cp -a, in the userns)
//   client → `{"id":3,"op":"remove","path":"/…/overlay/<id>"}`          (rm -rf, in the userns)
//   client → `{"id":4,"op":"pack","dirs":[…],"mode":"diff"|"merged","out":"/…"}` (layerTar.ts)
//   client → `{"id":5,"op":"extract","tar":"/…","root":"/…/diff","dest":"tmp"}` (extractTar.ts)
//   client → `{"id":6,"op":"resolve","root":"/proc/N/root","rel":"etc/x","followLast":true}` (layerPath.ts)
//   worker → `{"id":1,"ok":true,"result":{"diffID":"sha256:…","size":N,"warnings":[…]}}`
//   worker → `{"id":1,"ok":false,"error":{"code":"BadLayer"|"EPERM"|…,"message":"…"}}`
// Requests are served one at a time, in order. EOF on stdin ends the worker.
import {createInterface} from 'node:readline';
import {readFileSync, rmSync} from 'node:fs';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {applyLayer} from './applyLayer';
import {packLayers} from './layerTar';
import {extractTar} from './extractTar';
import {resolveInLayers, lstatInside} from './layerPath';
import type {WorkerRequest, WorkerResponse} from './WorkerClient';

const execFileP = promisify(execFile);

function readMap(name: string): string {
  try {
    return readFileSync(`/proc/self/${name}`, `utf8`);
  } catch {
    return ``;
  }
}

async function serve(req: WorkerRequest): Promise<WorkerResponse> {
  try {
    switch (req.op) {
      case `apply`: {
        const result = await applyLayer({
          blob: req.blob,
          target: req.target,
          whiteouts: req.whiteouts,
          ...(req.expectedDiffID ? {expectedDiffID: req.expectedDiffID} : {}),
          ...(req.user ? {user: req.user} : {}),
          uidMap,
          gidMap,
        });
        return {id: req.id, ok: true, result};
      }
      case `pack`:
        return {id: req.id, ok: true, result: await packLayers(req)};
      case `extract`:
        await extractTar(req);
        return {id: req.id, ok: true};
      case `resolve`: {
        // A path as a running container sees it (cp): read where only root in its user namespace may look.
        const rel = resolveInLayers([req.root], req.rel, req.followLast);
        const st = lstatInside(req.root, rel);
        return {id: req.id, ok: true, result: {rel, kind: st === undefined ? `missing` : st.isDirectory() ? `directory` : `other`}};
      }
      case `copy`:
        await execFileP(`cp`, [`-a`, `--reflink=auto`, `--no-target-directory`, req.from, req.to]);
        return {id: req.id, ok: true};
      case `remove`:
        rmSync(req.path, {recursive: true, force: true});
        return {id: req.id, ok: true};
      default:
        return {id: (req as {id: number}).id, ok: false, error: {code: `BadRequest`, message: `unknown op`}};
    }
  } catch (err) {
    const e = err as {code?: unknown, message?: string, stderr?: string};
    return {id: req.id, ok: false, error: {code: typeof e.code === `string` ? e.code : `Error`, message: (e.stderr || e.message || String(err)).trim()}};
  }
}

const uidMap = readMap(`uid_map`);
const gidMap = readMap(`gid_map`);
process.stdout.write(`${JSON.stringify({ready: true, pid: process.pid, uidMap, gidMap})}\n`);

const rl = createInterface({input: process.stdin, crlfDelay: Infinity});
let chain = Promise.resolve();
let inFlight = 0;
rl.on(`line`, line => {
  if (line.trim() === ``) return;
  inFlight++;
  chain = chain.then(async () => {
    let req: WorkerRequest;
    try {
      req = JSON.parse(line) as WorkerRequest;
    } catch {
      process.stdout.write(`${JSON.stringify({id: -1, ok: false, error: {code: `BadRequest`, message: `not JSON`}})}\n`);
      return;
    }
    process.stdout.write(`${JSON.stringify(await serve(req))}\n`);
  }).finally(() => { inFlight--; });
});
rl.on(`close`, () => {
  // The client closes stdin only when idle: EOF with work in flight means it died
  // (kill -9 of a pull). Stop at once so the next tspod can remove the incomplete
  // layer without racing this process still writing into it.
  if (inFlight > 0) process.exit(1);
  void chain.then(() => process.exit(0));
});
