import test from 'ava';
import {lookupLocal, normalizeName} from '../../src/image/lookup';
import type {Image} from '../../src/storage/ImageStore';

const img = (id: string, names: Array<string>): Image => ({
  id: id.repeat(64).slice(0, 64), names, digests: [], manifestDigest: `sha256:${`d`.repeat(64)}` as never,
  configDigest: `sha256:${id.repeat(64).slice(0, 64)}` as never, layers: [], created: `2024-01-01T00:00:00Z`, size: 1,
});
const images = [
  img(`a`, [`docker.io/library/alpine:latest`]),
  img(`b`, [`127.0.0.1:5000/library/busybox:1.37.0`]),
  img(`c`, [`localhost/mine:v1`, `quay.io/x/y:z`]),
];

test(`finds by full name, docker-normalized name, short name on any registry, localhost, id and prefix`, t => {
  t.is(lookupLocal(images, `docker.io/library/alpine:latest`)?.image.id[0], `a`);
  t.is(lookupLocal(images, `alpine`)?.image.id[0], `a`);
  t.is(lookupLocal(images, `busybox:1.37.0`)?.image.id[0], `b`);
  t.is(lookupLocal(images, `mine:v1`)?.image.id[0], `c`);
  t.is(lookupLocal(images, `mine:v1`)?.name, `localhost/mine:v1`);
  t.is(lookupLocal(images, `bbbbbb`)?.image.id[0], `b`);
  t.is(lookupLocal(images, `sha256:${`c`.repeat(64)}`)?.image.id[0], `c`);
  t.is(lookupLocal(images, `busybox`), undefined, `busybox means :latest`);
  t.is(lookupLocal(images, `nosuch`), undefined);
});

test(`tag names: short names under localhost/, latest by default`, t => {
  t.is(normalizeName(`foo`), `localhost/foo:latest`);
  t.is(normalizeName(`foo/bar:v2`), `localhost/foo/bar:v2`);
  t.is(normalizeName(`quay.io/x/y`), `quay.io/x/y:latest`);
  t.is(normalizeName(`docker.io/alpine:3`), `docker.io/library/alpine:3`);
  t.throws(() => normalizeName(`Bad Name`));
});
