// The seeded registry that test/run.mjs starts for the whole run.
export const REGISTRY = process.env.TSPOD_TEST_REGISTRY ?? ``;

/** Images seeded into REGISTRY (see test/_harness/registry.mjs). */
export const SEEDED = {
  busyboxGlibc: `${REGISTRY}/library/busybox:1.37.0-glibc`,
  busyboxMusl: `${REGISTRY}/library/busybox:1.37.0-musl`,
  busyboxLatest: `${REGISTRY}/library/busybox:latest`,
  alpine: `${REGISTRY}/library/alpine:3.20.3`,
  alpineLatest: `${REGISTRY}/library/alpine:latest`,
};
