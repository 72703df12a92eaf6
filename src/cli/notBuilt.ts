// podman commands tspod does not have, and what to do instead: a podman user who types one
// learns that it is missing on purpose and where to go, not that it was mistyped.
import {commandWords} from './commandLine';

interface Missing {
  why: string;
  fix: string;
}

const BUILD: Missing = {why: `tspod runs images, it does not build them`, fix: `build with buildah or podman build, then tspod pull it from a registry or tspod load an archive of it (podman save)`};
const KUBE: Missing = {why: `tspod does not play or generate Kubernetes YAML`, fix: `run the containers with tspod run, together in a pod if they share a network (tspod pod create)`};
const MOUNT: Missing = {why: `tspod does not mount a container's root file system for the host`, fix: `copy files in and out with tspod cp, or take the whole tree with tspod export`};
const CHECKPOINT: Missing = {why: `tspod has no checkpoint and restore (CRIU)`, fix: `commit the container (tspod commit) to keep its files`};

/**
 * By the words the user typed: `build`, or a group's `image build`. Made on the first
 * miss: every command's start loads this module, and only a mistyped one needs the table.
 */
const missingTable = (): Record<string, Missing> => ({
  build: BUILD,
  buildx: BUILD,
  'image build': BUILD,
  network: {why: `tspod has no networks to create or list: each container has a network of its own (--network pasta, the default, slirp4netns, host or none)`, fix: `publish ports with -p, or share one container's network with another through --network container:NAME or a pod`},
  manifest: {why: `tspod does not create manifest lists`, fix: `use buildah manifest or podman manifest; tspod pull picks the image for this platform from a list (--platform, --arch, --os)`},
  kube: KUBE,
  play: KUBE,
  'generate kube': KUBE,
  'pod clone': {why: `tspod does not clone pods`, fix: `create another pod with tspod pod create and the options you want`},
  machine: {why: `tspod runs containers on this Linux host, without a virtual machine`, fix: `run tspod commands directly`},
  compose: {why: `tspod has no compose`, fix: `run each service with tspod run (a pod for those that share a network), or generate systemd units for them (tspod generate systemd --new, Quadlet)`},
  mount: MOUNT,
  unmount: MOUNT,
  umount: MOUNT,
  'container mount': MOUNT,
  'container unmount': MOUNT,
  'container umount': MOUNT,
  'image mount': MOUNT,
  'image unmount': MOUNT,
  init: {why: `tspod has no separate init step`, fix: `tspod create, then tspod start`},
  'container init': {why: `tspod has no separate init step`, fix: `tspod create, then tspod start`},
  'container clone': {why: `tspod does not clone containers`, fix: `commit it (tspod commit) and run the new image with the options you want`},
  'container checkpoint': CHECKPOINT,
  'container restore': CHECKPOINT,
  'auto-update': {why: `tspod does not update containers from their registries by itself`, fix: `pull the new image and recreate the container; units from tspod generate systemd --new do that on restart (run --replace)`},
  'system service': {why: `tspod has no API service: it is daemonless, each command does its work and exits`, fix: `run tspod commands directly; for a client that needs the Docker or Podman API, use podman system service`},
  'system connection': {why: `tspod manages this host's containers only, with no remote connections`, fix: `run tspod on the host itself (ssh there)`},
});

/** `tspod build`'s error text (as the usage errors: no `Error: `), or undefined for a word podman has no command for either. */
export function notBuiltMessage(argv: ReadonlyArray<string>): string | undefined {
  const words = commandWords(argv);
  const missing = missingTable();
  const key = [words.slice(0, 2).join(` `), words[0] ?? ``].find(k => missing[k] !== undefined);
  if (key === undefined) return undefined;
  const m = missing[key]!;
  return `\`tspod ${key}\` is not supported: ${m.why}\n  fix: ${m.fix}`;
}
