// The keeper hook that puts a container into its own cgroup. It runs as a `net-hook`
// of tspod-helper (helpers/hooks.c): the helper forks it after writing the id maps and
// before releasing the container process, passes the container's pid (@PID@), and waits
// for a byte on fd 3. So foreground runs, detached runs under the monitor and restarts
// all go through the same code, and the container's first instruction already runs
// limited. Plain sh: it runs at every start, and Node starts in seconds in slow guests.
//
// Layout made (BASE = a systemd scope, or DIR/tspod-ID under a delegated cgroup):
//   BASE/supervisor   the hook and its watcher (systemd: a scope must not stay empty)
//   BASE/container    the container's processes, with the limit files written
// The watcher copies container/memory.events to EVENTS when the cgroup empties (for
// inspect's OOMKilled), then leaves, so systemd collects the scope (cgroupfs: removes BASE).

/** Runs inside the target: `sh -c INNER tspod-cgroup BASE PID EVENTS "CTL ..." FILE=VALUE ...`. */
export const INNER = `set -e
base=$1 pid=$2 events=$3 ctl=$4; shift 4
rmbase=1
if [ -z "$base" ]; then
  base=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup); rmbase=0
fi
mkdir -p "$base/supervisor" "$base/container"
echo $$ > "$base/supervisor/cgroup.procs"
echo "$pid" > "$base/container/cgroup.procs"
for c in $ctl; do echo "+$c" > "$base/cgroup.subtree_control"; done
for c in $(cat "$base/cgroup.controllers"); do echo "+$c" > "$base/cgroup.subtree_control" 2>/dev/null || :; done
for kv in "$@"; do
  f=\${kv%%=*}; v=\${kv#*=}
  case $f in '?'*) f=\${f#?}; [ -e "$base/container/$f" ] || continue;; esac
  echo "$v" > "$base/container/$f"
done
rm -f "$events"
(
  exec </dev/null >/dev/null 2>&1 3>&-
  # read and case are built in: this loop lives as long as the container (one fork a round).
  while :; do
    pop=0
    while read -r k v; do case $k in populated) pop=$v;; esac; done < "$base/container/cgroup.events" || :
    [ "$pop" = 1 ] || break
    sleep 0.3
  done
  cat "$base/container/memory.events" > "$events.tmp" 2>/dev/null && mv -f "$events.tmp" "$events"
  if [ $rmbase = 1 ]; then echo $$ > "$base/../supervisor/cgroup.procs"; rmdir "$base/container" "$base/supervisor" "$base"; fi
) &
`;

export interface HookRequest {
  /** Files to write into the container's cgroup: `memory.max=67108864`, `?memory.swap.max=…` (only if present). */
  files: Array<string>;
  controllers: Array<string>;
  /** Where the watcher leaves memory.events when the container is gone. */
  eventsFile: string;
}

/**
 * systemd: a transient scope with Delegate=yes in the user's systemd instance, made with
 * the hook and the container in it from the start (StartTransientUnit PIDs=: the user
 * manager asks PID 1 to move them out of the login session, which the user may not do).
 */
export function systemdHook(unit: string, r: HookRequest): Array<string> {
  const pre = `unit=$1-$$; shift
busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartTransientUnit \
  'ssa(sv)a(sa(sv))' "$unit.scope" fail 4 PIDs au 2 $$ "$2" Delegate b true CollectMode s inactive-or-failed \
  Description s "tspod container" 0 >/dev/null || exit 1
for p in $$ "$2"; do
  i=0
  while :; do
    cg=; read -r cg < /proc/$p/cgroup || :
    case $cg in */"$unit.scope") break;; esac
    i=$((i+1)); [ $i -lt 1200 ] || { echo "tspod: the systemd scope $unit.scope did not take process $p" >&2; exit 1; }
    sleep 0.05
  done
done
`;
  return [`/bin/sh`, `-c`, `${pre}${INNER}echo ok >&3\n`, `tspod-cgroup-scope`, unit, ``, `@PID@`, r.eventsFile, r.controllers.join(` `), ...r.files];
}

/** cgroupfs: a child of a cgroup the user already owns (tspod inside a Delegate=yes unit). */
export function cgroupfsHook(base: string, r: HookRequest): Array<string> {
  return [`/bin/sh`, `-c`, `${INNER}echo ok >&3`, `tspod-cgroup`, base, `@PID@`, r.eventsFile, r.controllers.join(` `), ...r.files];
}

/** --oom-score-adj: no cgroup needed; written before the container is released. */
export function oomScoreHook(adj: number): Array<string> {
  return [`/bin/sh`, `-c`, `echo "$1" > /proc/$2/oom_score_adj && echo ok >&3`, `tspod-oom-score`, String(adj), `@PID@`];
}

/** Index of the controllers argument of a cgroup hook (files follow it), or -1 for other hooks. */
export function hookControllersIndex(argv: Array<string>): number {
  const s = argv.indexOf(`tspod-cgroup-scope`);
  if (s >= 0) return s + 5;
  const f = argv.indexOf(`tspod-cgroup`);
  return f >= 0 ? f + 4 : -1;
}
