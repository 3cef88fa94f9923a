/**
 * The encoder quality evaluation ("Must hold: embeddings are meaningful", issue 5), shared by
 * `npm run eval:encoder` and its integration test. Measured on held-out real data the encoder
 * never trained on, each next to a baseline on exactly the same items:
 *
 *  - image: 10-NN class accuracy (cosine, majority vote, leave-one-out) of the image embeddings of
 *    the Fashion-MNIST test split — or a seeded class-stratified subset of it — against the same
 *    kNN on the raw 784 pixel values;
 *  - text: precision@10 of retrieving products of the same sub-category by product-name embedding
 *    (leave-one-out over Superstore's distinct product names, or a seeded subset), against
 *    bag-of-words TF-IDF (scikit-learn defaults, cosine).
 *
 * Images go to the encoder exactly as the data set stores them (28×28, one channel, 0 = background);
 * any resizing or normalisation is the encoder's own preprocessing.
 */
import {
  type GrayImage,
  type LabelledImages,
  type Superstore,
  distinctProductNames,
  embeddingKnnAccuracy,
  embeddingPrecisionAtK,
  imageAt,
  labelIndices,
  pixelKnnAccuracy as pixelBaselineAccuracy,
  seededPermutation,
  seededStream,
  selectImages,
  stratifiedSubset,
  tfidfPrecisionAtK,
} from '@cohort/catalog-data';

/** What the evaluation needs of `@cohort/encoder`'s ItemEncoder. */
export interface QualityEncoder {
  readonly version: string;
  encodeImages(images: readonly GrayImage[]): Promise<Float32Array[]>;
  encodeTexts(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface EncoderQualityOptions {
  /** Images per class from the test split; undefined = the whole split (1 000 per class). */
  readonly imagesPerClass?: number;
  /** Product names, a seeded sample; undefined = all distinct names. */
  readonly texts?: number;
  readonly seed: number;
  readonly k: number;
  /** Items per encoder call (one session.run each). */
  readonly batchSize: number;
  readonly log?: (line: string) => void;
  /** Monotonic clock in ms (performance.now by default). */
  readonly now?: () => number;
}

export interface EncoderQualityReport {
  readonly imageKnnAccuracy: number;
  readonly pixelKnnAccuracy: number;
  readonly textPrecisionAt10: number;
  readonly tfidfPrecisionAt10: number;
  readonly k: number;
  readonly encoderVersion: string;
  readonly images: {
    readonly split: 'test';
    readonly count: number;
    readonly perClass: number;
    readonly wholeSplit: boolean;
    readonly seed: number;
    readonly dimension: number;
  };
  readonly texts: {
    readonly count: number;
    readonly allDistinctNames: number;
    readonly subCategories: number;
    readonly seed: number;
    readonly dimension: number;
  };
  readonly seconds: {
    readonly embedImages: number;
    readonly embedTexts: number;
    readonly imageKnn: number;
    readonly pixelKnn: number;
    readonly textPrecision: number;
    readonly tfidfPrecision: number;
  };
  readonly imagesPerSecond: number;
  readonly textsPerSecond: number;
}

async function inBatches<T>(items: readonly T[], batchSize: number, encode: (batch: readonly T[]) => Promise<Float32Array[]>, log: (done: number) => void) {
  const out: Float32Array[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    const vectors = await encode(batch);
    if (vectors.length !== batch.length) throw new Error(`encoder returned ${vectors.length} vectors for ${batch.length} inputs`);
    out.push(...vectors);
    log(out.length);
  }
  return out;
}

/** The image and text test sets the evaluation uses (deterministic in the options). */
export function evaluationSets(data: { fashionTest: LabelledImages; superstore: Superstore }, options: Pick<EncoderQualityOptions, 'imagesPerClass' | 'texts' | 'seed'>) {
  const wholeSplit = options.imagesPerClass === undefined;
  const images = wholeSplit ? data.fashionTest : selectImages(data.fashionTest, stratifiedSubset(data.fashionTest.labels, options.imagesPerClass!, options.seed));
  const allNames = distinctProductNames(data.superstore);
  let products = allNames;
  if (options.texts !== undefined && options.texts < allNames.length) {
    const order = seededPermutation(allNames.length, seededStream(options.seed, 1));
    products = Array.from(order.subarray(0, options.texts), (i) => allNames[i]);
  }
  return { images, wholeSplit, products, allDistinctNames: allNames.length };
}

export async function evaluateEncoderQuality(
  encoder: QualityEncoder,
  data: { fashionTest: LabelledImages; superstore: Superstore },
  options: EncoderQualityOptions,
): Promise<EncoderQualityReport> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => performance.now());
  const { images, wholeSplit, products, allDistinctNames } = evaluationSets(data, options);
  const timed = async <T>(what: () => Promise<T> | T): Promise<[T, number]> => {
    const t = now();
    const value = await what();
    return [value, (now() - t) / 1000];
  };

  const decoded = Array.from({ length: images.count }, (_, i) => imageAt(images, i));
  const [imageVectors, embedImages] = await timed(() =>
    inBatches(decoded, options.batchSize, (b) => encoder.encodeImages(b), (n) => (n % (options.batchSize * 20) === 0 || n === decoded.length) && log(`images embedded: ${n}/${decoded.length}`)),
  );
  const names = products.map((p) => p.name);
  const [textVectors, embedTexts] = await timed(() => inBatches(names, options.batchSize, (b) => encoder.encodeTexts(b), (n) => n === names.length && log(`texts embedded: ${n}`)));
  const textLabels = labelIndices(products.map((p) => p.subCategory));

  log('scoring');
  const [imageKnnAccuracy, imageKnn] = await timed(() => embeddingKnnAccuracy(imageVectors, images.labels, options.k));
  const [pixelKnnAccuracy, pixelKnn] = await timed(() => pixelBaselineAccuracy(images, options.k));
  const [textPrecisionAt10, textPrecision] = await timed(() => embeddingPrecisionAtK(textVectors, textLabels, options.k));
  const [tfidfPrecisionAt10, tfidfPrecision] = await timed(() => tfidfPrecisionAtK(names, textLabels, options.k));

  return {
    imageKnnAccuracy,
    pixelKnnAccuracy,
    textPrecisionAt10,
    tfidfPrecisionAt10,
    k: options.k,
    encoderVersion: encoder.version,
    images: { split: 'test', count: images.count, perClass: images.count / new Set(images.labels).size, wholeSplit, seed: options.seed, dimension: imageVectors[0].length },
    texts: { count: names.length, allDistinctNames, subCategories: new Set(textLabels).size, seed: options.seed, dimension: textVectors[0].length },
    seconds: { embedImages, embedTexts, imageKnn, pixelKnn, textPrecision, tfidfPrecision },
    imagesPerSecond: images.count / embedImages,
    textsPerSecond: names.length / embedTexts,
  };
}

export function formatReport(r: EncoderQualityReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  return [
    `| measure (k = ${r.k}) | encoder | baseline | items |`,
    '|---|---:|---:|---:|',
    `| image: kNN class accuracy, Fashion-MNIST test${r.images.wholeSplit ? '' : ' subset'} | ${pct(r.imageKnnAccuracy)} | ${pct(r.pixelKnnAccuracy)} (raw pixels) | ${r.images.count} |`,
    `| text: same-sub-category precision@${r.k}, Superstore names | ${pct(r.textPrecisionAt10)} | ${pct(r.tfidfPrecisionAt10)} (TF-IDF) | ${r.texts.count} |`,
    '',
    `encoder ${r.encoderVersion}: ${r.imagesPerSecond.toFixed(1)} images/s, ${r.textsPerSecond.toFixed(1)} texts/s`,
  ].join('\n');
}
