/**
 * An RFC 4180 CSV parser: comma separated, fields optionally in double quotes, a doubled quote
 * inside a quoted field is one quote, quoted fields may hold commas and line breaks, records end
 * in LF or CRLF. Returns every record as an array of strings (no type inference: the caller
 * decides what a field means).
 */
import { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"') {
      if (field.length > 0) {
        throw new CatalogDataError(CatalogDataErrorCode.MalformedSource, `CSV: a quote inside an unquoted field in record ${records.length + 1}`);
      }
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStarted = false;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CatalogDataError(CatalogDataErrorCode.MalformedSource, 'CSV: the input ends inside a quoted field');
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
