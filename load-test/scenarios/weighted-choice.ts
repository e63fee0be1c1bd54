import type { Random } from '../../common/random.js';

/** Picks among `choices` in proportion to their weights. */
export function weightedChoice<T>(
  random: Random,
  choices: ReadonlyArray<readonly [weight: number, value: T]>,
): () => T {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0);
  if (choices.length === 0 || !(total > 0)) throw new RangeError('weightedChoice needs a positive weight');
  return () => {
    let point = random() * total;
    for (const [weight, value] of choices) {
      point -= weight;
      if (point < 0) return value;
    }
    return choices[choices.length - 1]![1];
  };
}
