import type { Command } from '../spec';
import { basins } from './basins';
import { experiment } from './experiment';
import { hessian } from './hessian';
import { landscape } from './landscape';
import { train } from './train';
import { trajectory } from './trajectory';

/** Every subcommand, by name, in the order `losslab --help` lists them. */
export const commands: Record<string, Command> = {
  trajectory,
  basins,
  train,
  landscape,
  hessian,
  experiment,
};
