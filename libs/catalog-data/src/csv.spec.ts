import { describe, expect, it } from 'vitest';
import { CatalogDataError } from './catalog-data-error';
import { parseCsv } from './csv';

describe('parseCsv (RFC 4180)', () => {
  it('splits plain fields and records, LF and CRLF alike', () => {
    expect(parseCsv('a,b\n1,2\r\n3,4')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(parseCsv('"Chair, Gray","5"" Binder","two\nlines"\n')).toEqual([['Chair, Gray', '5" Binder', 'two\nlines']]);
  });

  it('keeps empty fields, and a trailing newline adds no record', () => {
    expect(parseCsv('a,,c\n,\n')).toEqual([
      ['a', '', 'c'],
      ['', ''],
    ]);
  });

  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('"open,1\n')).toThrow(CatalogDataError);
  });
});
