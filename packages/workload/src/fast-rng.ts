import { Rng, seedState, type Seed } from "@damon-sim/core";

/** Core's seeded xoshiro128** stream for one (seed, stream name), as the engines draw it. */
export class FastRng extends Rng {
  constructor(seed: Seed, stream: string) {
    super(seedState(seed, stream));
  }
}
