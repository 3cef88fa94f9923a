import { describe, expect, it } from 'vitest';
import { CatalogDataError, CatalogDataErrorCode } from './catalog-data-error';
import { type DatasetFiles, type DatasetManifest, readManifest, readVerified, sha256Hex } from './dataset-files';

const utf8 = (s: string) => new TextEncoder().encode(s);
const memoryFiles = (files: Record<string, Uint8Array>): DatasetFiles => ({
  read: async (name) => {
    const f = files[name];
    if (!f) throw new Error(`ENOENT: ${name}`);
    return f;
  },
});

describe('dataset files', () => {
  it('SHA-256 of "abc" is the FIPS 180-2 test vector', async () => {
    expect(await sha256Hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('returns a file whose bytes match the manifest and refuses one that does not', async () => {
    const manifest: DatasetManifest = {
      dataset: 'toy',
      version: '1.0.0',
      formatVersion: 1,
      source: { package: 'toy', version: '1.0.0', tarballSha256: '00', license: 'MIT' },
      files: { 'a.bin': { sha256: await sha256Hex(utf8('abc')), bytes: 3 } },
    };
    expect(await readVerified(memoryFiles({ 'a.bin': utf8('abc') }), manifest, 'a.bin')).toEqual(utf8('abc'));
    const tampered = readVerified(memoryFiles({ 'a.bin': utf8('abd') }), manifest, 'a.bin');
    await expect(tampered).rejects.toMatchObject({ code: CatalogDataErrorCode.IntegrityMismatch });
    await expect(readVerified(memoryFiles({ 'a.bin': utf8('abcd') }), manifest, 'a.bin')).rejects.toThrow(/4 bytes, expected 3/);
    await expect(readVerified(memoryFiles({}), manifest, 'b.bin')).rejects.toThrow(/not in the manifest/);
  });

  it('tells the operator to run setup:data when the manifest is missing or of another format', async () => {
    await expect(readManifest(memoryFiles({}), 'toy', 1)).rejects.toThrow(/npm run setup:data/);
    const old = utf8(JSON.stringify({ dataset: 'toy', formatVersion: 0 }));
    await expect(readManifest(memoryFiles({ 'manifest.json': old }), 'toy', 1)).rejects.toBeInstanceOf(CatalogDataError);
  });
});
