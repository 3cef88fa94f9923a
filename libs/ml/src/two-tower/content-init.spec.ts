import { describe, expect, it } from 'vitest';
import type { TwoTowerConfig } from '@cohort/contracts';
import { CatalogRanker } from './catalog-ranker';
import { initProjectionFromContent, principalDirections } from './content-init';
import { initTwoTowerParameters, twoTowerLayout } from './layout';
import { TwoTowerModel } from './two-tower-model';

const D = 8;
const SQRT2 = Math.SQRT1_2;
/** Orthonormal directions in the first six columns; columns 6 and 7 are zero for every item. */
const U = [
  [SQRT2, SQRT2, 0, 0, 0, 0, 0, 0],
  [SQRT2, -SQRT2, 0, 0, 0, 0, 0, 0],
  [0, 0, 0.6, 0.8, 0, 0, 0, 0],
];
const SPREAD = [3, 2, 1];
const MEAN = [0.5, -0.2, 0.1, 0.3, 0.7, -0.4, 0, 0];

/**
 * Items x = mean + Σ_k s_k·z_k·u_k over every sign pattern z ∈ {±1}³ (twice): the covariance is
 * exactly Σ_k s_k² u_k u_kᵀ, so the principal directions are ±u_k with variances 9, 4, 1.
 */
function plantedContent(): Float32Array {
  const rows: number[][] = [];
  for (let repeat = 0; repeat < 2; repeat++) {
    for (let pattern = 0; pattern < 8; pattern++) {
      rows.push(MEAN.map((m, j) => m + U.reduce((sum, u, k) => sum + SPREAD[k]! * ((pattern >> k) & 1 ? 1 : -1) * u[j]!, 0)));
    }
  }
  return Float32Array.from(rows.flat());
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, i) => a[i]! * b[i]!).reduce((s, x) => s + x, 0);

describe('content-aware initialization', () => {
  it('finds the planted principal directions and their variances, skipping all-zero columns', () => {
    const content = plantedContent();
    const found = principalDirections(content, content.length / D, D, 2, 1);
    expect(Array.from(found.columns)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(found.variances)).toEqual([expect.closeTo(9, 6), expect.closeTo(4, 6)]);
    expect(Array.from(found.mean)).toEqual(MEAN.map((m) => expect.closeTo(m, 6)));
    for (let k = 0; k < 2; k++) {
      // ±u_k: the row's |cosine| with the planted direction is 1.
      expect(Math.abs(dot(found.directions.subarray(k * 6), U[k]!, 6))).toBeCloseTo(1, 6);
    }
  });

  it('writes a projection whose item vectors are centred with a mean squared norm of 1', () => {
    const content = plantedContent();
    const count = content.length / D;
    const config: TwoTowerConfig = { contentDim: D, idBuckets: 0, embeddingDim: 2, hiddenDim: 3, poolingDecay: 0.9, recencyDecay: 0.7 };
    const layout = twoTowerLayout(config);
    const params = initTwoTowerParameters(layout, 3);
    initProjectionFromContent(layout, params, content, 3);
    const table = new TwoTowerModel(layout).itemTable(params, { count, content });
    let squared = 0;
    const centre = [0, 0];
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < 2; k++) {
        squared += table.vectors[i * 2 + k]! ** 2 / count;
        centre[k] += table.vectors[i * 2 + k]! / count;
      }
    }
    expect(squared).toBeCloseTo(1, 5);
    expect(centre).toEqual([expect.closeTo(0, 5), expect.closeTo(0, 5)]);
    const projection = layout.offset('item.projection');
    for (let k = 0; k < 2; k++) expect([params[projection + k * D + 6], params[projection + k * D + 7]]).toEqual([0, 0]);
  });

  it('ranks by content similarity to the history before any round has trained', () => {
    // Two clusters of items, far apart along the first planted direction; a history in one.
    const content = plantedContent();
    const count = content.length / D;
    const config: TwoTowerConfig = { contentDim: D, idBuckets: 0, embeddingDim: 3, hiddenDim: 4, poolingDecay: 0.9, recencyDecay: 0.7 };
    const layout = twoTowerLayout(config);
    const params = initTwoTowerParameters(layout, 5);
    initProjectionFromContent(layout, params, content, 5);
    const scores = new CatalogRanker(new TwoTowerModel(layout), params, { count, content }).scoreCatalog([Int32Array.of(1), Int32Array.of(3)], null);
    // Items with bit 0 set lie at +3·u_1: items 1 and 3 of the history are there, so are the best 8 items.
    const ranked = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!);
    expect(ranked.slice(0, 8).every((i) => (i % 8) & 1)).toBe(true);
  });

  it('is deterministic and refuses a layout without a content tower', () => {
    const content = plantedContent();
    const config: TwoTowerConfig = { contentDim: D, idBuckets: 0, embeddingDim: 2, hiddenDim: 3, poolingDecay: 0.9, recencyDecay: 0.7 };
    const layout = twoTowerLayout(config);
    const a = initTwoTowerParameters(layout, 1);
    const b = initTwoTowerParameters(layout, 1);
    initProjectionFromContent(layout, a, content, 9);
    initProjectionFromContent(layout, b, content, 9);
    expect(a).toEqual(b);
    expect(() => initProjectionFromContent(twoTowerLayout({ ...config, contentDim: 0, idBuckets: 4 }), a, content, 1)).toThrow(/no content tower/);
  });
});
