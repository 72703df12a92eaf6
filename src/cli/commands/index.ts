// The command table. Clipanion compiles every registered command into one state
// machine before it parses anything, and that costs more than Node's own startup once
// there are a hundred commands; so each entry names its paths and loads its class
// lazily, and main.ts registers only the entries the command line can mean.
// test/cli/commands/index.test.ts checks each entry's paths against its class.
import type {CommandClass} from 'clipanion';
import type {TspodContext} from '../BaseCommand';

export interface CommandEntry {
  paths: Array<Array<string>>;
  load: () => Promise<CommandClass<TspodContext>>;
}

const entry = (paths: Array<Array<string>>, load: () => Promise<{default: CommandClass<TspodContext>}>): CommandEntry =>
  ({paths, load: async () => (await load()).default});

/**
 * What each group word (the first word of a two-word path) is for: `tspod --help` lists the
 * groups with these, and `tspod image` lists the group's commands with their own descriptions.
 */
export const groupDescriptions: Record<string, string> = {
  container: `Manage containers`,
  generate: `Generate structured data based on containers`,
  healthcheck: `Manage health checks on containers`,
  image: `Manage images`,
  pod: `Manage pods`,
  secret: `Manage secrets`,
  system: `Manage tspod`,
  volume: `Manage volumes`,
};

export const commandTable: Array<CommandEntry> = [
  entry([[`version`]], () => import("./version")),
  entry([[`info`], [`system`, `info`]], () => import("./info")),
  entry([[`login`]], () => import("./login")),
  entry([[`logout`]], () => import("./logout")),
  entry([[`pull`], [`image`, `pull`]], () => import("./pull")),
  entry([[`search`], [`image`, `search`]], () => import("./search")),
  entry([[`images`], [`image`, `ls`], [`image`, `list`]], () => import("./images")),
  entry([[`image`, `inspect`]], () => import("./image/inspect")),
  entry([[`image`, `exists`]], () => import("./image/exists")),
  entry([[`image`, `prune`]], () => import("./image/prune")),
  entry([[`history`], [`image`, `history`]], () => import("./history")),
  entry([[`tag`], [`image`, `tag`]], () => import("./tag")),
  entry([[`untag`], [`image`, `untag`]], () => import("./untag")),
  entry([[`rmi`], [`image`, `rm`]], () => import("./rmi")),
  entry([[`system`, `check`]], () => import("./system/check")),
  entry([[`system`, `reset`]], () => import("./system/reset")),
  entry([[`system`, `migrate`]], () => import("./system/migrate")),
  entry([[`system`, `renumber`]], () => import("./system/renumber")),
  entry([[`system`, `df`]], () => import("./system/df")),
  entry([[`system`, `prune`]], () => import("./system/prune")),
  entry([[`run`], [`container`, `run`]], () => import("./run")),
  entry([[`create`], [`container`, `create`]], () => import("./create")),
  entry([[`port`], [`container`, `port`]], () => import("./port")),
  entry([[`volume`, `create`]], () => import("./volume/create")),
  entry([[`volume`, `ls`], [`volume`, `list`]], () => import("./volume/ls")),
  entry([[`volume`, `inspect`]], () => import("./volume/inspect")),
  entry([[`volume`, `exists`]], () => import("./volume/exists")),
  entry([[`secret`, `create`]], () => import("./secret/create")),
  entry([[`secret`, `ls`], [`secret`, `list`]], () => import("./secret/ls")),
  entry([[`secret`, `inspect`]], () => import("./secret/inspect")),
  entry([[`secret`, `rm`], [`secret`, `remove`]], () => import("./secret/rm")),
  entry([[`secret`, `exists`]], () => import("./secret/exists")),
  entry([[`volume`, `rm`], [`volume`, `remove`]], () => import("./volume/rm")),
  entry([[`volume`, `prune`]], () => import("./volume/prune")),
  entry([[`volume`, `export`]], () => import("./volume/export")),
  entry([[`volume`, `import`]], () => import("./volume/import")),
  entry([[`start`], [`container`, `start`]], () => import("./start")),
  entry([[`stop`], [`container`, `stop`]], () => import("./stop")),
  entry([[`kill`], [`container`, `kill`]], () => import("./kill")),
  entry([[`restart`], [`container`, `restart`]], () => import("./restart")),
  entry([[`rm`], [`container`, `rm`]], () => import("./rm")),
  entry([[`ps`], [`container`, `ps`], [`container`, `ls`], [`container`, `list`]], () => import("./ps")),
  entry([[`logs`], [`container`, `logs`]], () => import("./logs")),
  entry([[`events`], [`system`, `events`]], () => import("./events")),
  entry([[`wait`], [`container`, `wait`]], () => import("./wait")),
  entry([[`container`, `inspect`]], () => import("./container/inspect")),
  entry([[`inspect`]], () => import("./inspect")),
  entry([[`exec`], [`container`, `exec`]], () => import("./exec")),
  entry([[`attach`], [`container`, `attach`]], () => import("./attach")),
  entry([[`pause`], [`container`, `pause`]], () => import("./pause")),
  entry([[`unpause`], [`container`, `unpause`]], () => import("./unpause")),
  entry([[`stats`], [`container`, `stats`]], () => import("./stats")),
  entry([[`update`], [`container`, `update`]], () => import("./update")),
  entry([[`quadlet`]], () => import("./quadlet")),
  entry([[`rename`], [`container`, `rename`]], () => import("./rename")),
  entry([[`top`], [`container`, `top`]], () => import("./top")),
  entry([[`export`], [`container`, `export`]], () => import("./export")),
  entry([[`import`], [`image`, `import`]], () => import("./import")),
  entry([[`save`], [`image`, `save`]], () => import("./save")),
  entry([[`load`], [`image`, `load`]], () => import("./load")),
  entry([[`commit`], [`container`, `commit`]], () => import("./commit")),
  entry([[`push`], [`image`, `push`]], () => import("./push")),
  entry([[`cp`], [`container`, `cp`]], () => import("./cp")),
  entry([[`diff`], [`container`, `diff`]], () => import("./diff")),
  entry([[`container`, `exists`]], () => import("./container/exists")),
  entry([[`container`, `prune`]], () => import("./container/prune")),
  entry([[`container`, `cleanup`]], () => import("./container/cleanup")),
  entry([[`unshare`]], () => import("./unshare")),
  entry([[`generate`, `systemd`]], () => import("./generate/systemd")),
  entry([[`healthcheck`, `run`]], () => import("./healthcheck/run")),
  entry([[`pod`, `create`]], () => import("./pod/create")),
  entry([[`pod`, `ps`], [`pod`, `ls`], [`pod`, `list`]], () => import("./pod/ps")),
  entry([[`pod`, `inspect`]], () => import("./pod/inspect")),
  entry([[`pod`, `exists`]], () => import("./pod/exists")),
  entry([[`pod`, `top`]], () => import("./pod/top")),
  entry([[`pod`, `start`]], () => import("./pod/start")),
  entry([[`pod`, `stop`]], () => import("./pod/stop")),
  entry([[`pod`, `restart`]], () => import("./pod/restart")),
  entry([[`pod`, `kill`]], () => import("./pod/kill")),
  entry([[`pod`, `pause`]], () => import("./pod/pause")),
  entry([[`pod`, `unpause`]], () => import("./pod/unpause")),
  entry([[`pod`, `rm`], [`pod`, `remove`]], () => import("./pod/rm")),
  entry([[`pod`, `prune`]], () => import("./pod/prune")),
];
