// The fuzz targets of test/fuzz/targets.ts on a small budget, so that every run of the suite
// tries new inputs; `npm run fuzz` runs the same targets on >= 1,000,000 (FUZZ_TOTAL).
import { describe, expect, it } from 'vitest';
import { shares, TARGETS } from './fuzz/targets.js';

const TOTAL = Number(process.env.FUZZ_TOTAL ?? 6000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const budget = shares(TOTAL);
const counts: number[] = [];

describe(`fuzzing, ${TOTAL} inputs`, () => {
  it.each(TARGETS.map((t) => [t.name, t] as const))('%s', async (_, target) => {
    const runs = budget.get(target)!;
    const ran = await target.run(runs, SEED);
    expect(ran).toBe(runs);
    counts.push(ran);
    console.log(`fuzz: ${ran.toLocaleString('en')} inputs — ${target.name}`);
  }, Math.max(60_000, TOTAL / 2));
  it('ran the whole budget', () => {
    const total = counts.reduce((a, b) => a + b, 0);
    console.log(`fuzz: ${total.toLocaleString('en')} inputs in all, no uncaught exception, no hang`);
    expect(total).toBeGreaterThanOrEqual(TOTAL);
  });
});
