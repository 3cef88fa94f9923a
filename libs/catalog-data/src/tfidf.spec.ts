import { describe, expect, it } from 'vitest';
import { precisionAtK } from './retrieval-metrics';
import { fitTfidf, sparseCosineIndex, tokenize } from './tfidf';

describe('tokenize (scikit-learn default token pattern)', () => {
  it('lower-cases and keeps runs of two or more word characters', () => {
    expect(tokenize('Avery 5-1/2" Binder, x2 HON_Chair')).toEqual(['avery', 'binder', 'x2', 'hon_chair']);
  });
});

describe('TF-IDF', () => {
  // n = 3 documents: "red chair", "blue chair", "red red table".
  // df: red 2, chair 2, blue 1, table 1 → idf = ln((1 + 3) / (1 + df)) + 1.
  const idfShared = Math.log(4 / 3) + 1; // red, chair
  const idfRare = Math.log(4 / 2) + 1; // blue, table
  const { model, vectors } = fitTfidf(['red chair', 'blue chair', 'red red table']);

  it('computes smoothed idf', () => {
    expect(model.idf[model.vocabulary.get('red')!]).toBeCloseTo(idfShared, 12);
    expect(model.idf[model.vocabulary.get('blue')!]).toBeCloseTo(idfRare, 12);
  });

  it('gives the cosines worked out by hand', () => {
    const sims = new Float64Array(3);
    sparseCosineIndex(vectors).similaritiesTo(0, sims);
    // d0 = (red, chair) · idfShared → unit vector (1/√2, 1/√2).
    // d1 = (blue idfRare, chair idfShared): cos(d0, d1) = (idfShared / √2) / √(idfRare² + idfShared²).
    // d2 = (red 2·idfShared, table idfRare): cos(d0, d2) = (2·idfShared / √2) / √((2·idfShared)² + idfRare²).
    expect(sims[0]).toBeCloseTo(1, 12);
    expect(sims[1]).toBeCloseTo(idfShared / Math.SQRT2 / Math.hypot(idfRare, idfShared), 12);
    expect(sims[2]).toBeCloseTo((2 * idfShared) / Math.SQRT2 / Math.hypot(2 * idfShared, idfRare), 12);
  });

  it('retrieves by shared words: precision@1 on a toy catalog', () => {
    // "oak table" and "glass table" share "table"; "gel pen" and "ball pen" share "pen";
    // "steel desk" shares nothing, so its neighbour is a uniform tie among the other four,
    // none of which is furniture-desk → 0.  Others: 1 each.  mean = 4/5.
    const names = ['oak table', 'glass table', 'gel pen', 'ball pen', 'steel desk'];
    const labels = [0, 0, 1, 1, 2];
    expect(precisionAtK(sparseCosineIndex(fitTfidf(names).vectors), { references: labels }, 1)).toBeCloseTo(4 / 5, 12);
  });
});
