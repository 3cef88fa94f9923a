import { describe, expect, it } from 'vitest';
import { CatalogDataError } from './catalog-data-error';
import { distinctProductNames, summarizeSuperstore, superstoreFromCsv } from './superstore';

const HEADER =
  '"Row ID","Order ID","Order Date","Ship Date","Ship Mode","Customer ID","Customer Name","Segment","Country","City","State","Postal Code","Region","Product ID","Category","Sub-Category","Product Name","Sales","Quantity","Discount","Profit"';
const row = (id: number, order: string, customer: string, product: string, cat: string, sub: string, name: string, sales: number) =>
  `${id},"${order}",2016-11-08,2016-11-11,"Second Class","${customer}","Some One","Consumer","United States","Henderson","Kentucky",42420,"South","${product}","${cat}","${sub}",${name},${sales},2,0.2,-1.5`;

const CSV = [
  HEADER,
  row(1, 'O-1', 'C-1', 'FUR-CH-2', 'Furniture', 'Chairs', '"Task Chair, Black"', 10),
  row(2, 'O-1', 'C-1', 'OFF-PA-1', 'Office Supplies', 'Paper', '"5"" Notepad"', 2.5),
  row(3, 'O-2', 'C-2', 'FUR-CH-2', 'Furniture', 'Chairs', '"Manager\'s Chair, Gray"', 12),
  row(4, 'O-3', 'C-2', 'FUR-CH-2', 'Furniture', 'Chairs', '"Task Chair, Black"', 10),
].join('\n');

describe('Superstore from CSV', () => {
  const data = superstoreFromCsv(`${CSV}\n`);

  it('keeps one product per Product ID, sorted, with the later names as alternates', () => {
    expect(data.products).toEqual([
      { productId: 'FUR-CH-2', name: 'Task Chair, Black', alternateNames: ["Manager's Chair, Gray"], category: 'Furniture', subCategory: 'Chairs' },
      { productId: 'OFF-PA-1', name: '5" Notepad', alternateNames: [], category: 'Office Supplies', subCategory: 'Paper' },
    ]);
  });

  it('keeps every order line with typed numbers and no customer names', () => {
    expect(data.interactions).toHaveLength(4);
    expect(data.interactions[1]).toEqual({
      rowId: 2,
      orderId: 'O-1',
      orderDate: '2016-11-08',
      customerId: 'C-1',
      segment: 'Consumer',
      region: 'South',
      productId: 'OFF-PA-1',
      quantity: 2,
      sales: 2.5,
      discount: 0.2,
      profit: -1.5,
    });
    expect(JSON.stringify(data)).not.toContain('Some One');
  });

  it('summarises and lists distinct names', () => {
    expect(summarizeSuperstore(data)).toEqual({ orderLines: 4, orders: 3, customers: 2, products: 2, productNames: 3, categories: 2, subCategories: 2 });
    expect(distinctProductNames(data).map((p) => [p.name, p.subCategory])).toEqual([
      ['5" Notepad', 'Paper'],
      ["Manager's Chair, Gray", 'Chairs'],
      ['Task Chair, Black', 'Chairs'],
    ]);
  });

  it('refuses a missing column, a ragged row, and a product that changes category', () => {
    expect(() => superstoreFromCsv(CSV.replace('"Sub-Category"', '"Subcat"'))).toThrow(/missing column "Sub-Category"/);
    expect(() => superstoreFromCsv(`${CSV}\n1,2,3`)).toThrow(/line 6 has 3 fields/);
    const moved = `${CSV}\n${row(5, 'O-4', 'C-3', 'OFF-PA-1', 'Furniture', 'Chairs', '"5"" Notepad"', 1)}`;
    expect(() => superstoreFromCsv(moved)).toThrow(CatalogDataError);
  });
});
