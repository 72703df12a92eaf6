#!/bin/bash
# Runs INSIDE the guest as the unprivileged user (uid 1001), started by
# test/_harness/vm.mjs through run-in-guest.sh: unpacks the built project from the
# 9p share onto the guest's disk, serves the test images from a local read-only
# registry, and runs the guest test files (dist/test/guest/**) with ava in TAP form.
set -u
S=/mnt/share
U=tester
if [ "$(id -u)" = 0 ]; then
  # Root part (LAB_VM_AS_ROOT=1), what install.sh does on a real host: the systemd user
  # generator for Quadlet files. Then the tests run as the user in a logind session.
  H=$(getent passwd $U | cut -d: -f6)
  su $U -c "mkdir -p $H/tspod $H/bin && tar -C $H/tspod -xzf $S/project.tgz && ln -sf /mnt/ro/node $H/bin/node" \
    || { echo "Bail out! cannot unpack the project"; exit 125; }
  mkdir -p /etc/systemd/user-generators
  sed "s|@TSPOD@|$H/bin/node $H/tspod/dist/tspod.js|g" "$H/tspod/contrib/systemd/user-generators/tspod-user-generator.in" \
    > /etc/systemd/user-generators/tspod-user-generator
  chmod 755 /etc/systemd/user-generators/tspod-user-generator
  # The guest has no network card (nothing leaves it), but pasta, the default rootless
  # network, wants a host interface with a default route, as every real host has one.
  { ip link add tspod0 type dummy && ip addr add 192.0.2.2/24 dev tspod0 && ip link set tspod0 up \
      && ip route add default via 192.0.2.1 dev tspod0; } || echo "# guest: no dummy interface; pasta will not start"
  touch /tmp/unpacked
  chmod 644 /tmp/unpacked
  exec su -l $U -c "bash $S/guest-run.sh"
fi
echo "# guest: $(id -un) uid $(id -u), kernel $(uname -r), $(cut -d' ' -f1 /proc/uptime)s up"
P=$HOME/tspod
if [ ! -f /tmp/unpacked ]; then
  mkdir -p "$P" "$HOME/bin" && tar -C "$P" -xzf "$S/project.tgz" || { echo "Bail out! cannot unpack the project"; exit 125; }
  ln -sf /mnt/ro/node "$HOME/bin/node"
fi
export PATH="$HOME/bin:$PATH"
node --version >/dev/null 2>&1 || { echo "Bail out! the host's node does not run in the guest: $(node --version 2>&1)"; exit 125; }
cd "$P"
ms() { local a b; a=$(date +%s%N); "$@" >/dev/null 2>&1; b=$(date +%s%N); echo $(( (b - a) / 1000000 )); }
echo "# guest: node -e 0 takes $(ms node -e 0) ms, tspod version $(ms node dist/tspod.js version) ms"
I=$P/images
node test/_harness/ociRegistry.mjs \
  "library/busybox:1.37.0-glibc=$I/busybox-1.37.0-glibc-amd64.oci@busybox:1.37.0-glibc" \
  "library/busybox:latest=$I/busybox-1.37.0-glibc-amd64.oci@busybox:1.37.0-glibc" \
  "library/busybox:1.37.0-musl=$I/busybox-1.37.0-musl-amd64.oci@busybox:1.37.0-musl" > "$HOME/registry.addr" 2>"$HOME/registry.err" &
REG=$!
for _ in $(seq 100); do [ -s "$HOME/registry.addr" ] && break; sleep 0.2; done
[ -s "$HOME/registry.addr" ] || { echo "Bail out! registry did not start: $(cat "$HOME/registry.err")"; exit 125; }
export TSPOD_TEST_REGISTRY=$(head -1 "$HOME/registry.addr") TSPOD_TEST_PROJECT=$P TSPOD_SHARED_IMAGES=$I TSPOD_TEST_GUEST=1
[ -f "$S/ci" ] && export CI=true
[ -f "$S/verbose" ] && export TSPOD_TEST_VERBOSE=1
# The test files share the default store (test/guest/_guest.ts): the image is pulled into it
# once, here, rather than by every file at the same time.
mkdir -p "$HOME/.config/containers"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$TSPOD_TEST_REGISTRY" > "$HOME/.config/containers/registries.conf"
node dist/tspod.js pull -q "$TSPOD_TEST_REGISTRY/library/busybox:1.37.0-glibc" > "$HOME/pull.out" 2>&1 \
  || { echo "Bail out! cannot pull the test image: $(tail -3 "$HOME/pull.out")"; exit 125; }
echo "# guest: $(date +%T) the test image is pulled"
mapfile -t FILES < "$S/files"
echo "# guest: $(date +%T) running ${#FILES[@]} file(s) against registry $TSPOD_TEST_REGISTRY"
# The files run side by side (2 vCPUs; each is mostly a chain of tspod calls, waiting);
# inside a file the tests that share state are test.serial.
node node_modules/ava/entrypoints/cli.mjs --tap --timeout=10m --concurrency=4 "${FILES[@]}"
rc=$?
kill "$REG" 2>/dev/null
exit $rc
