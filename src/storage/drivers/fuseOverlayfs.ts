// fuse-overlayfs: the same on-disk layout as native overlay (it reads char 0/0
// whiteouts and user.overlay.opaque), mounted by running the fuse-overlayfs
// program instead of mount(2): tspod-helper runs it in the container's user and mount
// namespaces (`rootfs-fuse`, helpers/fuse.c), and its daemon exits with the container.
import {join} from 'node:path';
import {OverlayDriver} from './overlay';
import type {MountSpec} from './Driver';

export class FuseOverlayfsDriver extends OverlayDriver {
  readonly program: string;

  constructor(graphRoot: string, program = `fuse-overlayfs`) {
    super(graphRoot, `fuse-overlayfs`);
    this.program = program;
  }

  override async mountSpec(id: string, target: string): Promise<MountSpec> {
    const {lower, upper, work} = await this.dirs(id);
    // fuse-overlayfs takes its options from argv, not a page: absolute paths always fit.
    const opts = `lowerdir=${lower.map(l => join(this.home, l)).join(`:`)},upperdir=${upper},workdir=${work}`;
    return {kind: `fuse`, argv: [this.program, `-o`, opts, target], target};
  }
}
