// Every command class, in the order `tspod --help` lists them.
import {Builtins} from 'clipanion';
import type {CommandClass} from 'clipanion';
import type {TspodContext} from '../BaseCommand';
import VersionCommand, {VersionFlagCommand} from './version';
import InfoCommand from './info';

export const commands: Array<CommandClass<TspodContext>> = [
  Builtins.HelpCommand,
  VersionFlagCommand,
  VersionCommand,
  InfoCommand,
];
