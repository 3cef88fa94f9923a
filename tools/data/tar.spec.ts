import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarGz } from './tar';

// Archives made by the system's GNU tar, in the two formats npm tarballs use (ustar with a name
// prefix for long paths, and pax records).
const work = mkdtempSync(join(tmpdir(), 'cohort-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const longDir = `package/${'deep-folder-name/'.repeat(8)}`; // 8 + 136 characters: past ustar's 100-byte name
mkdirSync(join(work, 'src', longDir), { recursive: true });
writeFileSync(join(work, 'src', 'package', 'a.json'), '{"a":1}');
writeFileSync(join(work, 'src', longDir, 'b.bin'), Buffer.alloc(1500, 7)); // spans three 512-byte blocks
writeFileSync(join(work, 'src', 'package', 'empty.txt'), '');

describe.each(['ustar', 'pax'])('readTarGz (%s)', (format) => {
  const archive = join(work, `${format}.tgz`);
  execFileSync('tar', [`--format=${format}`, '-czf', archive, '-C', join(work, 'src'), 'package']);
  const files = readTarGz(readFileSync(archive));

  it('reads regular files with their full paths and exact bytes', () => {
    expect(files.get('package/a.json')?.toString()).toBe('{"a":1}');
    expect(files.get(`${longDir}b.bin`)).toEqual(Buffer.alloc(1500, 7));
    expect(files.get('package/empty.txt')).toEqual(Buffer.alloc(0));
    expect([...files.keys()].every((p) => !p.endsWith('/'))).toBe(true);
  });

  it('keeps only what the filter wants', () => {
    expect([...readTarGz(readFileSync(archive), (p) => p.endsWith('.json')).keys()]).toEqual(['package/a.json']);
  });
});
