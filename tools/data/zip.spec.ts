import { describe, expect, it } from 'vitest';
import { readZip } from './zip';

// Archives written by CPython's zipfile (3.11), checked in as base64 so the test needs no zip
// tool: an independent writer, not this reader's mirror image.
//   PLAIN: 'pkg/' (directory), 'pkg/a.json' stored '{"a":1}', 'pkg/deep/b.bin' deflated 1 500 × 0x07,
//          'pkg/empty.txt' deflated empty, 'pkg/café.txt' deflated 'café\n' (UTF-8 name flag),
//          archive comment 'a comment'.
//   STREAMED: written to an unseekable stream, so the local header has zero sizes and CRC (flag bit
//          3, a data descriptor follows the data): 'pkg/c.txt' deflated 'hello ' × 100.
//   BZIP2: 'x.txt' compressed with method 12.
const PLAIN = Buffer.from(
  'UEsDBBQAAAAAAM+WhF0AAAAAAAAAAAAAAAAEAAAAcGtnL1BLAwQUAAAAAAAgHWRYr6wbVgcAAAAHAAAACgAAAHBrZy9hLmpzb257ImEiOjF9UEsDBBQAAAAIACAdZFjCOvqGDgAAANwFAAAOAAAAcGtnL2RlZXAvYi5iaW5jZx8Fo2AUjIJRMNwAAFBLAwQUAAAACAAgHWRYAAAAAAIAAAAAAAAADQAAAHBrZy9lbXB0eS50eHQDAFBLAwQUAAAICAAgHWRY0uxEiQgAAAAGAAAADQAAAHBrZy9jYWbDqS50eHRLTkw7vJILAFBLAQIUAxQAAAAAAM+WhF0AAAAAAAAAAAAAAAAEAAAAAAAAAAAAEAD9QQAAAABwa2cvUEsBAhQDFAAAAAAAIB1kWK+sG1YHAAAABwAAAAoAAAAAAAAAAAAAAIABIgAAAHBrZy9hLmpzb25QSwECFAMUAAAACAAgHWRYwjr6hg4AAADcBQAADgAAAAAAAAAAAAAAgAFRAAAAcGtnL2RlZXAvYi5iaW5QSwECFAMUAAAACAAgHWRYAAAAAAIAAAAAAAAADQAAAAAAAAAAAAAAgAGLAAAAcGtnL2VtcHR5LnR4dFBLAQIUAxQAAAgIACAdZFjS7ESJCAAAAAYAAAANAAAAAAAAAAAAAACAAbgAAABwa2cvY2Fmw6kudHh0UEsFBgAAAAAFAAUAHAEAAOsAAAAJAGEgY29tbWVudA==',
  'base64',
);
const STREAMED = Buffer.from(
  'UEsDBBQACAAIACAdZFgAAAAAAAAAAAAAAAAJAAAAcGtnL2MudHh0y0jNyclXyBglR0mqkgBQSwcI8zGiDQ4AAABYAgAAUEsBAhQDFAAIAAgAIB1kWPMxog0OAAAAWAIAAAkAAAAAAAAAAAAAAIABAAAAAHBrZy9jLnR4dFBLBQYAAAAAAQABADcAAABFAAAAAAA=',
  'base64',
);
const BZIP2 = Buffer.from(
  'UEsDBC4AAAAMACAdZFhr7Al9MwAAAAwAAAAFAAAAeC50eHRCWmg5MUFZJlNZ9lPBdAAAARmAQAAQABYhSBAgADEAMCAPUaRuBwrZLxdyRThQkPZTwXRQSwECLgMuAAAADAAgHWRYa+wJfTMAAAAMAAAABQAAAAAAAAAAAAAAgAEAAAAAeC50eHRQSwUGAAAAAAEAAQAzAAAAVgAAAAAA',
  'base64',
);

describe('readZip', () => {
  it('reads stored and deflated files with their full paths and exact bytes, and skips directories', () => {
    const files = readZip(PLAIN);
    expect([...files.keys()]).toEqual(['pkg/a.json', 'pkg/deep/b.bin', 'pkg/empty.txt', 'pkg/café.txt']);
    expect(files.get('pkg/a.json')?.toString()).toBe('{"a":1}');
    expect(files.get('pkg/deep/b.bin')).toEqual(Buffer.alloc(1500, 7));
    expect(files.get('pkg/empty.txt')).toEqual(Buffer.alloc(0));
    expect(files.get('pkg/café.txt')?.toString()).toBe('café\n');
  });

  it('takes sizes and CRC from the central directory when the local header defers them to a data descriptor', () => {
    expect(readZip(STREAMED).get('pkg/c.txt')?.toString()).toBe('hello '.repeat(100));
  });

  it('keeps only what the filter wants, without reading the rest', () => {
    expect([...readZip(PLAIN, (p) => p.endsWith('.json')).keys()]).toEqual(['pkg/a.json']);
    // An unsupported entry that is not wanted does not stop the others.
    expect(readZip(BZIP2, () => false).size).toBe(0);
  });

  it('refuses a file whose bytes no longer match the CRC-32 of its directory entry', () => {
    const tampered = Buffer.from(PLAIN);
    const at = tampered.indexOf('{"a":1}');
    tampered[at + 5] = '2'.charCodeAt(0);
    expect(() => readZip(tampered)).toThrow(/pkg\/a\.json: CRC-32 [0-9a-f]{8} differs from its directory entry 561bacaf/);
  });

  it('refuses what it cannot read: another method, a truncated archive, something that is not a zip', () => {
    expect(() => readZip(BZIP2)).toThrow(/x\.txt: compression method 12 is not supported/);
    expect(() => readZip(PLAIN.subarray(0, PLAIN.length - 10))).toThrow(/no end-of-central-directory record/);
    expect(() => readZip(Buffer.from('not a zip archive, just some text that is long enough'))).toThrow(/no end-of-central-directory/);
    // 'pkg/deep/b.bin' has no extra field, so its 14 deflated bytes follow the name in its local header.
    const corrupt = Buffer.from(PLAIN);
    corrupt.fill(0xff, corrupt.indexOf('pkg/deep/b.bin') + 14, corrupt.indexOf('pkg/deep/b.bin') + 28);
    expect(() => readZip(corrupt)).toThrow(/pkg\/deep\/b\.bin: deflate stream is corrupt/);
  });
});
