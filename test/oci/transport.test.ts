import test from 'ava';
import {localNameForPath, parseImageName, transportOf} from '../../src/oci/transport';
import {isTspodError} from '../../src/engine/errors';

test(`docker:// is a registry reference; the local transports split path and reference as containers/image does`, t => {
  t.deepEqual(parseImageName(`docker://alpine`), {transport: `docker`, reference: `alpine`});
  t.deepEqual(parseImageName(`docker://localhost:5000/x:1`), {transport: `docker`, reference: `localhost:5000/x:1`});
  t.deepEqual(parseImageName(`oci:/a/b`), {transport: `oci`, path: `/a/b`});
  t.deepEqual(parseImageName(`oci:/a/b:busybox:1.37.0`), {transport: `oci`, path: `/a/b`, reference: `busybox:1.37.0`});
  t.deepEqual(parseImageName(`oci-archive:x.tar:localhost/x:2`), {transport: `oci-archive`, path: `x.tar`, reference: `localhost/x:2`});
  t.deepEqual(parseImageName(`docker-archive:x.tar`), {transport: `docker-archive`, path: `x.tar`});
  // dir: takes everything after the transport as its path.
  t.deepEqual(parseImageName(`dir:a:b`), {transport: `dir`, path: `a:b`});
});

test(`a prefix that is no transport leaves a registry reference, as in podman`, t => {
  for (const s of [`alpine`, `alpine:3`, `foo:bar`, `localhost:5000/x`, `127.0.0.1:5000/library/busybox:1.37.0-glibc`, `docker:alpine`])
    t.deepEqual(parseImageName(s), {transport: `docker`, reference: s}, s);
});

test(`transports tspod does not implement, and a transport without a path, are refused with one line`, t => {
  for (const s of [`containers-storage:alpine`, `docker-daemon:alpine:3`, `oci:`, `dir:`]) {
    const err = t.throws(() => parseImageName(s), undefined, s);
    t.true(isTspodError(err, `InvalidArgument`), s);
    t.false(err!.message.includes(`\n`), s);
  }
});

test(`an oci: directory's image is named localhost/PATH:latest, and a path that makes no valid name is refused`, t => {
  t.is(localNameForPath(`/work/shared/x.oci`), `localhost/work/shared/x.oci:latest`);
  t.is(localNameForPath(`od/`), `localhost/od:latest`);
  const err = t.throws(() => localNameForPath(`/tmp/Upper/od`));
  t.regex(err!.message, /not a valid image name/);
});

test(`transportOf names the transport of an input, and nothing for a registry reference`, t => {
  t.is(transportOf(`docker://alpine`), `docker`);
  t.is(transportOf(`oci:/x`), `oci`);
  t.is(transportOf(`containers-storage:x`), `containers-storage`);
  for (const s of [`alpine`, `foo:bar`, `localhost:5000/x`, `sha256:${`a`.repeat(64)}`]) t.is(transportOf(s), undefined, s);
});
