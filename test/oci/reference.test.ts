import test from 'ava';
import {parseReference, formatReference, withDefaultTag, familiarName, isShortName, manifestReference, shortNameParts, registryHost} from '../../src/oci/reference';
import {isTspodError} from '../../src/engine/errors';
import type {Digest} from '../../src/oci/digest';

const D = `sha256:${`a`.repeat(64)}` as Digest;

const normalized: Array<[string, string]> = [
  [`alpine`, `docker.io/library/alpine:latest`],
  [`alpine:3.20`, `docker.io/library/alpine:3.20`],
  [`library/alpine`, `docker.io/library/alpine:latest`],
  [`docker.io/alpine`, `docker.io/library/alpine:latest`],
  [`index.docker.io/alpine`, `docker.io/library/alpine:latest`],
  [`docker.io/foo/bar`, `docker.io/foo/bar:latest`],
  [`foo/bar`, `docker.io/foo/bar:latest`],
  [`foo/bar/baz`, `docker.io/foo/bar/baz:latest`],
  [`quay.io/podman/stable:v5`, `quay.io/podman/stable:v5`],
  [`quay.io/alpine`, `quay.io/alpine:latest`],
  [`localhost/foo`, `localhost/foo:latest`],
  [`localhost:5000/foo/bar:t`, `localhost:5000/foo/bar:t`],
  [`127.0.0.1:5000/library/busybox:1.37.0-glibc`, `127.0.0.1:5000/library/busybox:1.37.0-glibc`],
  [`[::1]:5000/foo:1`, `[::1]:5000/foo:1`],
  [`a-b.c-d:443/x`, `a-b.c-d:443/x:latest`],
  [`Foo.example.com/bar`, `Foo.example.com/bar:latest`],
  [`localhost:5000`, `docker.io/library/localhost:5000`],
  [`foo_bar/a__b/c-d/e--f/g.h`, `docker.io/foo_bar/a__b/c-d/e--f/g.h:latest`],
  [`alpine@${D}`, `docker.io/library/alpine@${D}`],
  [`alpine:3@${D}`, `docker.io/library/alpine:3@${D}`],
  [`host:5000/x:tag@${D}`, `host:5000/x:tag@${D}`],
  [`busybox:${`t`.repeat(128)}`, `docker.io/library/busybox:${`t`.repeat(128)}`],
  [`busybox:_x.Y-z`, `docker.io/library/busybox:_x.Y-z`],
];
for (const [input, want] of normalized) {
  test(`normalizes ${input.slice(0, 60)}`, t => {
    t.is(formatReference(withDefaultTag(parseReference(input))), want);
  });
}

const invalid: Array<[string, RegExp]> = [
  [``, /at least one component/],
  [`Alpine`, /must be lowercase/],
  [`docker.io/Library/alpine`, /must be lowercase/],
  [`foo/Bar`, /must be lowercase/],
  [`alpine:`, /invalid tag/],
  [`alpine:-x`, /invalid tag/],
  [`alpine:.x`, /invalid tag/],
  [`alpine:${`t`.repeat(129)}`, /invalid tag/],
  [`alpine:a/b`, /invalid registry/],
  [`alpine@sha256:abc`, /invalid digest/],
  [`alpine@md5:${`a`.repeat(32)}`, /unsupported digest algorithm/],
  [`alpine@sha256:${`A`.repeat(64)}`, /invalid digest/],
  [`alpine@`, /invalid digest/],
  [`-alpine`, /invalid repository name/],
  [`alpine-`, /invalid repository name/],
  [`foo//bar`, /invalid repository name/],
  [`foo/`, /invalid repository name/],
  [`/foo`, /at least one component|invalid/],
  [`a...b`, /invalid repository name/],
  [`a___b`, /invalid repository name/],
  [`-host.com/foo`, /invalid registry/],
  [`host.com:abc/foo`, /invalid/],
  [`foo bar`, /whitespace/],
  [`a`.repeat(64).replace(/a/g, `f`), /64-byte hexadecimal/],
  [`${`a`.repeat(120)}/${`b`.repeat(135)}`, /not be more than 255/],
];
for (const [input, why] of invalid) {
  test(`rejects "${input.slice(0, 50)}"`, t => {
    const err = t.throws(() => parseReference(input));
    t.true(isTspodError(err, `InvalidArgument`));
    t.regex(err!.message, /^invalid reference format/);
    t.regex(err!.message, why);
    t.false(err!.message.includes(`\n`));
  });
}

test(`255 characters is allowed`, t => {
  const name = `${`a`.repeat(120)}/${`b`.repeat(134)}`;
  t.is(name.length, 255);
  t.is(parseReference(name).path, name);
});

test(`digest and tag are both kept; digest wins for pulling`, t => {
  const ref = parseReference(`quay.io/a/b:v1@${D}`);
  t.is(ref.tag, `v1`);
  t.is(ref.digest, D);
  t.is(manifestReference(ref), D);
  t.is(manifestReference(parseReference(`quay.io/a/b`)), `latest`);
  t.is(manifestReference(parseReference(`quay.io/a/b:x`)), `x`);
});

test(`digest-only reference gets no default tag`, t => {
  const ref = withDefaultTag(parseReference(`alpine@${D}`));
  t.is(ref.tag, undefined);
});

test(`short names`, t => {
  t.true(isShortName(`alpine`));
  t.true(isShortName(`foo/bar:1`));
  t.true(isShortName(`library/alpine`));
  t.false(isShortName(`docker.io/alpine`));
  t.false(isShortName(`localhost/foo`));
  t.false(isShortName(`host:5000/foo`));
  t.false(isShortName(`quay.io/foo`));
  t.deepEqual(shortNameParts(`foo/bar:1`), {name: `foo/bar`, tag: `1`});
  t.deepEqual(shortNameParts(`alpine@${D}`), {name: `alpine`, digest: D});
});

test(`familiar names`, t => {
  t.is(familiarName(parseReference(`docker.io/library/alpine:3`)), `alpine:3`);
  t.is(familiarName(parseReference(`docker.io/foo/bar`)), `foo/bar`);
  t.is(familiarName(parseReference(`docker.io/library/a/b`)), `library/a/b`);
  t.is(familiarName(parseReference(`quay.io/x/y:1`)), `quay.io/x/y:1`);
});

test(`registry host`, t => {
  t.is(registryHost(`docker.io`), `registry-1.docker.io`);
  t.is(registryHost(`127.0.0.1:5000`), `127.0.0.1:5000`);
});
