// The host platform in OCI terms and the choice of one manifest from an index
// (containers/image's platform matcher: os and architecture must match; for arm the
// variant must match or be compatible, v8 ⊃ v7 ⊃ v6 ⊃ v5).
import {TspodError} from '../engine/errors';
import type {Descriptor, ImageIndex, Platform} from '../oci/image';

export interface PlatformWish {
  os?: string | undefined;
  arch?: string | undefined;
  variant?: string | undefined;
}

const NODE_ARCH: Record<string, string> = {
  x64: `amd64`, ia32: `386`, arm64: `arm64`, arm: `arm`, ppc64: `ppc64le`, s390x: `s390x`,
  riscv64: `riscv64`, mips: `mips`, mipsel: `mipsle`, loong64: `loong64`,
};

/** Host platform; `armVersion` is process.config's arm_version for 32-bit arm (v6/v7). */
export function hostPlatform(nodeArch: string = process.arch, nodePlatform: string = process.platform, armVersion?: string): Required<Pick<Platform, `os` | `architecture`>> & {variant?: string} {
  const architecture = NODE_ARCH[nodeArch] ?? nodeArch;
  const os = nodePlatform === `win32` ? `windows` : nodePlatform;
  const p: {os: string, architecture: string, variant?: string} = {os, architecture};
  if (architecture === `arm64`) p.variant = `v8`;
  if (architecture === `arm`) {
    const v = armVersion ?? String((process.config.variables as Record<string, unknown>).arm_version ?? `7`);
    p.variant = `v${v}`;
  }
  return p;
}

/** Normalizes `--platform os/arch[/variant]`, `--os`, `--arch`, `--variant` into one wish; the platform string wins field by field. */
export function parsePlatformOptions(opts: {platform?: string | undefined, os?: string | undefined, arch?: string | undefined, variant?: string | undefined}): PlatformWish {
  const wish: PlatformWish = {os: opts.os, arch: opts.arch, variant: opts.variant};
  if (opts.platform) {
    const parts = opts.platform.split(`/`);
    if (parts.length < 2 || parts.length > 3 || parts.some(p => p === ``))
      throw new TspodError(`InvalidArgument`, `invalid platform "${opts.platform}": expected os/arch[/variant]`, {hint: `e.g. --platform linux/arm64`});
    wish.os = parts[0];
    wish.arch = parts[1];
    if (parts[2] !== undefined) wish.variant = parts[2];
  }
  return wish;
}

function normalizeArch(arch: string, variant: string | undefined): {arch: string, variant: string | undefined} {
  switch (arch) {
    case `x86_64`: case `x86-64`: return {arch: `amd64`, variant: variant === `v1` ? undefined : variant};
    case `amd64`: return {arch, variant: variant === `v1` ? undefined : variant};
    case `aarch64`: case `arm64`: return {arch: `arm64`, variant: variant === undefined || variant === `8` ? `v8` : variant};
    case `armhf`: return {arch: `arm`, variant: `v7`};
    case `armel`: return {arch: `arm`, variant: `v6`};
    case `arm`: return {arch, variant: variant === undefined ? `v7` : /^\d+$/.test(variant) ? `v${variant}` : variant};
    case `i386`: return {arch: `386`, variant};
    default: return {arch, variant};
  }
}

/** The fully specified target: the wish filled in from the host. */
export function targetPlatform(wish: PlatformWish = {}, host = hostPlatform()): {os: string, arch: string, variant?: string} {
  const os = wish.os ?? host.os;
  const rawArch = wish.arch ?? host.architecture;
  const variant = wish.variant ?? (wish.arch === undefined ? host.variant : undefined);
  const n = normalizeArch(rawArch, variant);
  const out: {os: string, arch: string, variant?: string} = {os, arch: n.arch};
  if (n.variant !== undefined) out.variant = n.variant;
  return out;
}

/** Variants acceptable for a target, most preferred first (an arm v7 host runs v6 and v5 too). */
function compatibleVariants(arch: string, variant: string | undefined): Array<string | undefined> {
  if (arch === `arm`) {
    const n = Number((variant ?? `v7`).slice(1));
    const out: Array<string | undefined> = [];
    for (let v = n; v >= 5; v--) out.push(`v${v}`);
    return out;
  }
  if (arch === `arm64`) return [variant ?? `v8`, undefined];
  if (arch === `amd64`) return variant === undefined ? [undefined] : [variant, undefined];
  return [variant];
}

export function formatPlatform(p: {os: string, architecture: string, variant?: string | undefined}): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ``}`;
}

/**
 * Picks the manifest for a platform from an index. Entries without a platform are
 * skipped (attestations). Throws a one-line error listing what the index offers.
 */
export function chooseManifest(index: ImageIndex, wish: PlatformWish = {}, host = hostPlatform()): Descriptor {
  const target = targetPlatform(wish, host);
  const candidates = index.manifests.filter(m => m.platform !== undefined && m.platform.os !== `unknown`);
  const variants = compatibleVariants(target.arch, target.variant);
  for (const v of variants) {
    for (const m of candidates) {
      const p = m.platform!;
      const n = normalizeArch(p.architecture, p.variant);
      if (p.os !== target.os || n.arch !== target.arch) continue;
      // An explicitly asked-for variant on amd64 must match; a platform without variant matches when none was asked.
      if (n.variant === v) return m;
    }
  }
  const offered = [...new Set(candidates.map(m => formatPlatform(m.platform!)))];
  const want = formatPlatform({os: target.os, architecture: target.arch, variant: target.variant});
  throw new TspodError(`NoSuchImage`,
    `no image found in image index for architecture ${target.arch}${target.variant ? `, variant "${target.variant}"` : ``}, OS ${target.os} (${want}); available: ${offered.length ? offered.join(`, `) : `none`}`,
    {hint: `choose one with --platform os/arch[/variant]`});
}
