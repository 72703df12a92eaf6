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

export const commandTable: Array<CommandEntry> = [
  entry([[`version`]], () => import("./version")),
  entry([[`info`], [`system`, `info`]], () => import("./info")),
];
