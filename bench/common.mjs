// Shared by the benchmarks: time a command over repeated runs, report the median.
import {spawnSync} from 'node:child_process';

export function timeCommand(argv, {runs = 30, warmup = 3, env} = {}) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), {stdio: 'ignore', env: env ?? process.env});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    if (i >= warmup) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return {median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1]};
}

export function report(rows) {
  for (const r of rows) console.log(`${r.name.padEnd(40)} median ${r.median.toFixed(1).padStart(7)} ms  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`);
}
