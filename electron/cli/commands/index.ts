import type { Command } from '../spec';
import { basins } from './basins';
import { trajectory } from './trajectory';

/** Every subcommand, by name, in the order `losslab --help` lists them. */
export const commands: Record<string, Command> = {
  trajectory,
  basins,
};
