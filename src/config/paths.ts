// Every path tspod uses is computed here (STYLE rule 5). Flags beat the environment,
// the environment beats defaults. The on-disk layout carries a version so a later
// change of shape can migrate instead of misreading.
import {homedir, userInfo} from 'node:os';
import {join} from 'node:path';

export const LAYOUT_VERSION = 1;

export interface PathOverrides {
  root?: string | undefined;
  runroot?: string | undefined;
}

export interface Paths {
  /** Graph root: images, layers, containers, volumes ($XDG_DATA_HOME/tspod/storage). */
  graphRoot: string;
  /** Run root: per-boot state, pid files, locks of live things ($XDG_RUNTIME_DIR/tspod). */
  runRoot: string;
  /** $XDG_CONFIG_HOME/containers: registries.conf, auth.json, storage.conf. */
  userContainersConfig: string;
  /** /etc/containers */
  systemContainersConfig: string;
  /** $XDG_CACHE_HOME/containers: the short-name alias cache podman writes (short-name-aliases.conf). */
  userContainersCache: string;
  /** $XDG_RUNTIME_DIR, or a per-user fallback under /tmp when unset. */
  runtimeDir: string;
  /**
   * Per-user host facts that outlive one store but not a reboot or a kernel change
   * ($XDG_RUNTIME_DIR/tspod/driver-probe.json: which storage drivers work), whatever --root/--runroot say.
   */
  driverProbeCache: string;
  home: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function uid(): number {
  return process.getuid ? process.getuid() : 0;
}

export function resolvePaths(env: Env, overrides: PathOverrides = {}): Paths {
  const home = env.HOME || safeHomedir();
  const dataHome = env.XDG_DATA_HOME || join(home, `.local/share`);
  const configHome = env.XDG_CONFIG_HOME || join(home, `.config`);
  const runtimeDir = env.XDG_RUNTIME_DIR || `/tmp/tspod-run-${uid()}`;
  return {
    graphRoot: overrides.root || join(dataHome, `tspod/storage`),
    runRoot: overrides.runroot || join(runtimeDir, `tspod`),
    userContainersConfig: join(configHome, `containers`),
    systemContainersConfig: `/etc/containers`,
    userContainersCache: join(env.XDG_CACHE_HOME || join(home, `.cache`), `containers`),
    runtimeDir,
    driverProbeCache: join(runtimeDir, `tspod`, `driver-probe.json`),
    home,
  };
}

function safeHomedir(): string {
  try {
    return homedir();
  } catch {
    return `/tmp`;
  }
}

let passwdEntry: {username: string, homedir: string} | undefined;
/** This user's passwd entry (getpwuid), read once; a uid without one is named by its number. */
function ownEntry(): {username: string, homedir: string} {
  if (passwdEntry) return passwdEntry;
  try {
    const u = userInfo();
    passwdEntry = {username: u.username, homedir: u.homedir};
  } catch {
    passwdEntry = {username: String(uid()), homedir: `/`};
  }
  return passwdEntry;
}

export function userName(): string {
  return ownEntry().username;
}

/** The home directory in the passwd database (not $HOME). */
export function passwdHome(): string {
  return ownEntry().homedir;
}
