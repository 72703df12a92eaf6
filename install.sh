#!/usr/bin/env bash
# Installs tspod on Debian 12, idempotently: the Debian packages it needs to run, to
# build and to test; the npm dependencies; the TypeScript bundle and the C helper;
# `tspod` on PATH (/usr/local/bin); and the host settings a normal Debian install
# has (device modes, user namespaces, subordinate ids). It prints what it changes.
#
#   sudo ./install.sh [--user NAME] [--no-test-deps]
#
# --user NAME   give NAME subordinate ids if they have none (default: $SUDO_USER)
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
TARGET_USER="${SUDO_USER:-}"
TEST_DEPS=1
PREFIX=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --user) TARGET_USER="$2"; shift 2 ;;
    --no-test-deps) TEST_DEPS=0; shift ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: sudo ./install.sh"

# --- Debian packages -------------------------------------------------------------
RUNTIME_PKGS=(uidmap fuse-overlayfs fuse3 slirp4netns passt runc crun iproute2 procps util-linux)
BUILD_PKGS=(gcc make libc6-dev)
# The test suite's real parts: a distribution v2 registry, a client to seed it,
# htpasswd and openssl for auth/TLS registries, script for pty tests.
TEST_PKGS=(docker-registry skopeo apache2-utils openssl bsdutils tmux)
# --- cgroups/systemd work: the test suite's guest VM (test/_harness/vm.mjs) ---------
# cgroup v2 limits and systemd user units are tested in a small Debian guest built with
# debootstrap and booted with qemu (test/vm/build-guest.sh, run-in-guest.sh).
VM_TEST_PKGS=(qemu-system-x86 debootstrap e2fsprogs)
# --- end of the guest VM block -------------------------------------------------------
want=("${RUNTIME_PKGS[@]}" "${BUILD_PKGS[@]}")
[ "$TEST_DEPS" -eq 1 ] && want+=("${TEST_PKGS[@]}" "${VM_TEST_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi
# docker-registry's package starts a system service on :5000; tests run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q docker-registry 2>/dev/null; then
  systemctl disable --now docker-registry >/dev/null 2>&1 && say "stopped the docker-registry system service (tests start their own)"
fi

# --- Node.js -----------------------------------------------------------------------
command -v node >/dev/null || die "node not found: install Node.js 20.19 or newer (Debian 12's nodejs is 18, too old)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: tspod needs 20.19 or newer"

# --- build ---------------------------------------------------------------------------
say "npm ci"
npm ci --no-audit --no-fund --loglevel=error
say "building the bundle and the helper"
npm run -s build

# --- install onto PATH -------------------------------------------------------------
# A copy under $PREFIX/lib/tspod that every user can read (the checkout may sit in
# a directory other users cannot enter), and a link in $PREFIX/bin.
dest="$PREFIX/lib/tspod"
stage="$(mktemp -d "$PREFIX/lib/.tspod-XXXXXX")"
mkdir -p "$stage/helpers" "$stage/node_modules"
cp -a dist package.json "$stage/"
cp -a helpers/tspod-helper "$stage/helpers/"
# The bundle inlines every dependency but koffi, whose native module ships in a
# platform package (@koromix/koffi-<os>-<arch>).
cp -a node_modules/koffi "$stage/node_modules/"
[ -d node_modules/@koromix ] && cp -a node_modules/@koromix "$stage/node_modules/"
chmod -R a+rX "$stage"
rm -rf "$dest.old"; [ -e "$dest" ] && mv "$dest" "$dest.old"
mv "$stage" "$dest"; rm -rf "$dest.old"
ln -sf "$dest/dist/tspod.js" "$PREFIX/bin/tspod"
say "tspod installed: $PREFIX/bin/tspod -> $dest/dist/tspod.js"

# --- host settings a normal distribution has ------------------------------------------
for dev in /dev/fuse /dev/net/tun; do
  if [ -e "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then
    chmod 0666 "$dev"
    say "set $dev to mode 0666 (as udev does on a normal Debian install; rootless FUSE and networking need it)"
  fi
done
if [ ! -e /dev/net/tun ]; then
  say "warning: /dev/net/tun does not exist: rootless networking needs it (modprobe tun)"
fi
if [ -e /proc/sys/kernel/unprivileged_userns_clone ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
  sysctl -qw kernel.unprivileged_userns_clone=1
  echo 'kernel.unprivileged_userns_clone=1' > /etc/sysctl.d/90-tspod-userns.conf
  say "enabled unprivileged user namespaces (kernel.unprivileged_userns_clone=1, persisted)"
fi
if [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
  sysctl -qw user.max_user_namespaces=28633
  echo 'user.max_user_namespaces=28633' > /etc/sysctl.d/90-tspod-maxuserns.conf
  say "set user.max_user_namespaces=28633 (persisted)"
fi
for f in newuidmap newgidmap; do
  p="$(command -v $f)"
  if [ ! -u "$p" ] && ! getcap "$p" 2>/dev/null | grep -q cap_set; then
    chmod u+s "$p"; say "made $p setuid root (it writes the id maps)"
  fi
done

# Subordinate ids for the user who will run tspod.
if [ -n "$TARGET_USER" ] && [ "$TARGET_USER" != root ]; then
  id "$TARGET_USER" >/dev/null 2>&1 || die "no such user: $TARGET_USER"
  next_free() {  # first start >= 100000 not overlapping a range in $1
    awk -F: 'BEGIN{s=100000} {e=$2+$3; if ($2 < s+65536 && e > s) s=e} END{print s}' "$1"
  }
  for kind in uid gid; do
    file=/etc/sub$kind
    touch "$file"
    if ! grep -q "^$TARGET_USER:" "$file"; then
      start=$(next_free "$file")
      usermod --add-sub${kind}s "$start-$((start + 65535))" "$TARGET_USER"
      say "gave $TARGET_USER subordinate ${kind}s $start-$((start + 65535)) in $file"
    fi
  done
else
  say "no target user (run with sudo, or --user NAME) : subordinate ids unchanged"
fi

say "done. Try: tspod info"
