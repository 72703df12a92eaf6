// A container's health check configuration, podman's (pkg/specgenutil
// MakeHealthCheckFromCli): the --health-* flags over the image's Healthcheck, kept
// in the record as inspect shows it (Config.Healthcheck, durations in nanoseconds).
// Pure: no I/O.
import {TspodError} from '../errors';
import type {HealthConfig} from '../../oci/image';

export interface HealthFlags {
  healthCmd?: string | undefined;
  healthInterval?: string | undefined;
  healthRetries?: string | undefined;
  healthStartPeriod?: string | undefined;
  healthTimeout?: string | undefined;
  healthOnFailure?: string | undefined;
  noHealthcheck?: boolean;
}

/** What the record keeps: Config.Healthcheck's shape (Test is never empty or NONE). */
export interface Healthcheck {
  Test: Array<string>;
  Interval: number;
  Timeout: number;
  StartPeriod: number;
  Retries: number;
}

export type OnFailure = `none` | `kill` | `restart` | `stop`;

const NS = {ns: 1, us: 1e3, [`\u00b5s`]: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9} as Record<string, number>;
const SECOND = 1e9;
/** podman's defaults (libpod/define/healthchecks.go). */
const DEFAULTS = {Interval: 30 * SECOND, Timeout: 30 * SECOND, StartPeriod: 0, Retries: 3};

const bad = (message: string, hint?: string) => new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});

/** Go's time.ParseDuration ("1m30s", "500ms", "0"), in nanoseconds. */
export function parseGoDuration(s: string): number | undefined {
  if (s === `0`) return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/gy;
  let total = 0, m: RegExpExecArray | null, end = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * NS[m[2]!]!;
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? Math.round(total) : undefined;
}

function duration(flag: string, v: string): number {
  const d = parseGoDuration(v);
  if (d === undefined) throw bad(`invalid ${flag.slice(2).replace(/^health-/, `healthcheck-`)}: time: invalid duration "${v}"`, `use a duration such as 30s, 1m30s or 500ms`);
  return d;
}

/** --health-cmd: a JSON array (exec form, or CMD/CMD-SHELL/NONE first) or a shell command. */
function parseTest(cmd: string): Array<string> {
  let arr: unknown;
  try { arr = JSON.parse(cmd); } catch {}
  const isArr = Array.isArray(arr) && arr.every(x => typeof x === `string`);
  let test = isArr ? [...arr as Array<string>] : [cmd];
  if (test.length === 0 || test[0] === ``) throw bad(`must define a healthcheck command for all healthchecks`);
  const head = (isArr ? test[0]! : cmd.split(` `, 1)[0]!).toUpperCase();
  if (head === `NONE`) return [`NONE`];
  if (head === `CMD` || head === `CMD-SHELL`) {
    if (!isArr) test = head === `CMD` ? cmd.split(/\s+/).filter(Boolean) : [head, cmd.slice(cmd.indexOf(` `) + 1)]; // podman's compat split
    return [head, ...test.slice(1)];
  }
  if (isArr && test.length > 1) return [`CMD`, ...test];
  return [`CMD-SHELL`, test.join(` `)];
}

export function parseOnFailure(v: string | undefined): OnFailure {
  const a = (v ?? `none`).toLowerCase();
  if (a === `none` || a === `kill` || a === `restart` || a === `stop`) return a;
  throw bad(`invalid on-failure action "${v}" for health check: valid options are "none", "kill", "restart" and "stop"`);
}

/**
 * The container's health check: the flags over the image's. undefined when there is
 * none (no Test, Test NONE, --health-cmd none or --no-healthcheck). Throws on a bad flag.
 */
export function resolveHealthcheck(f: HealthFlags, image: HealthConfig | undefined): Healthcheck | undefined {
  const given = f.healthCmd !== undefined || f.healthInterval !== undefined || f.healthRetries !== undefined || f.healthStartPeriod !== undefined || f.healthTimeout !== undefined;
  if (f.noHealthcheck && given) throw bad(`cannot specify both --no-healthcheck and other HealthCheck flags`);
  const test = f.healthCmd !== undefined ? parseTest(f.healthCmd) : image?.Test;
  const hc: Healthcheck = {
    Test: test ?? [],
    Interval: f.healthInterval !== undefined ? (f.healthInterval === `disable` ? 0 : duration(`--health-interval`, f.healthInterval)) : image?.Interval || DEFAULTS.Interval,
    Timeout: f.healthTimeout !== undefined ? duration(`--health-timeout`, f.healthTimeout) : image?.Timeout || DEFAULTS.Timeout,
    StartPeriod: f.healthStartPeriod !== undefined ? duration(`--health-start-period`, f.healthStartPeriod) : image?.StartPeriod || DEFAULTS.StartPeriod,
    Retries: DEFAULTS.Retries,
  };
  if (f.healthRetries !== undefined) {
    if (!/^\d+$/.test(f.healthRetries)) throw bad(`invalid argument "${f.healthRetries}" for "--health-retries" flag: want a number`);
    hc.Retries = Number(f.healthRetries);
    if (hc.Retries < 1) throw bad(`healthcheck-retries must be greater than 0`);
  } else if (image?.Retries) {
    hc.Retries = image.Retries;
  }
  if (hc.Timeout < SECOND) throw bad(`healthcheck-timeout must be at least 1 second`);
  if (hc.Interval < 0 || hc.StartPeriod < 0) throw bad(`healthcheck durations must be 0 seconds or greater`);
  if (f.noHealthcheck || hc.Test.length === 0 || hc.Test[0] === `NONE` || hc.Test[0] === ``) return undefined;
  return hc;
}

/** The argv the check runs in the container (podman: CMD-SHELL through /bin/sh -c). */
export function healthArgv(hc: Healthcheck): Array<string> {
  const [kind, ...rest] = hc.Test;
  if (kind === `CMD`) return rest;
  if (kind === `CMD-SHELL`) return [`/bin/sh`, `-c`, rest.join(` `)];
  return hc.Test; // a Test with no keyword is a command as is (podman's default case)
}

/** Go's Duration.String() for messages ("1s", "1m30s", "500ms"). */
export function goDurationString(ns: number): string {
  if (ns === 0) return `0s`;
  if (ns < SECOND) return ns % 1e6 === 0 ? `${ns / 1e6}ms` : `${ns / 1e3}\u00b5s`;
  const h = Math.floor(ns / 3600e9), m = Math.floor((ns % 3600e9) / 60e9), s = (ns % 60e9) / SECOND;
  return `${h ? `${h}h` : ``}${h || m ? `${m}m` : ``}${Number(s.toFixed(9))}s`;
}

/** The record's metadata for the health check (none: nothing). */
export function healthMeta(f: HealthFlags, image: HealthConfig | undefined): {healthcheck?: Healthcheck, healthOnFailure?: OnFailure} {
  const hc = resolveHealthcheck(f, image);
  if (!hc) return {};
  const action = parseOnFailure(f.healthOnFailure);
  return {healthcheck: hc, ...(action !== `none` ? {healthOnFailure: action} : {})};
}

/** A Dockerfile HEALTHCHECK instruction's value (commit/import --change): `NONE`, or options then CMD. */
export function parseHealthcheckInstruction(value: string): HealthConfig {
  if (/^NONE$/i.test(value.trim())) return {Test: [`NONE`]};
  const out: HealthConfig = {};
  let rest = value.trim();
  for (let m; (m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) !== null; rest = rest.slice(m[0].length)) {
    const [, k, v] = m as unknown as [string, string, string];
    if (k === `retries`) {
      if (!/^\d+$/.test(v)) throw bad(`invalid HEALTHCHECK --retries "${v}"`);
      out.Retries = Number(v);
      continue;
    }
    const field = ({interval: `Interval`, timeout: `Timeout`, 'start-period': `StartPeriod`} as Record<string, `Interval` | `Timeout` | `StartPeriod`>)[k];
    if (!field) throw bad(`invalid HEALTHCHECK option --${k}`, `use --interval, --timeout, --start-period or --retries`);
    out[field] = duration(`--${k}`, v);
  }
  const m = /^CMD\s+([\s\S]+)$/i.exec(rest);
  if (!m) throw bad(`invalid HEALTHCHECK "${value}": want [OPTIONS] CMD command, or NONE`);
  const cmd = m[1]!.trim();
  let arr: unknown;
  try { arr = JSON.parse(cmd); } catch {}
  out.Test = Array.isArray(arr) && arr.every(x => typeof x === `string`) ? [`CMD`, ...arr as Array<string>] : [`CMD-SHELL`, cmd];
  return out;
}
