import {
  ackley,
  beale,
  himmelblau,
  monkeySaddle,
  rastrigin,
  rosenbrock,
  sixHumpCamel,
  styblinskiTang,
} from './classic-surfaces';
import {
  bowl,
  flatSharp,
  plateauCliff,
  ravine,
  saddle,
  saddleValley,
  softmaxCe,
  softmaxMse,
  twoMinima,
} from './lesson-surfaces';
import type { Surface } from './surface';

/**
 * Every preset surface, in gallery order: the lecture's bowl and saddles first, then the classic
 * test functions, then the surfaces built for one lesson each.
 */
export const presets: readonly Surface[] = [
  rosenbrock,
  bowl,
  saddle,
  monkeySaddle,
  himmelblau,
  beale,
  sixHumpCamel,
  styblinskiTang,
  rastrigin,
  ackley,
  plateauCliff,
  ravine,
  twoMinima,
  flatSharp,
  saddleValley,
  softmaxCe,
  softmaxMse,
];

/** Presets by their kebab-case name. */
export const presetByName: ReadonlyMap<string, Surface> = new Map(
  presets.map((s) => [s.info.name, s]),
);
