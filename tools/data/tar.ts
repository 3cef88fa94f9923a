/**
 * Reads the regular files of a gzipped tar archive (an npm tarball) into memory — no extraction
 * to disk, no dependency. Understands ustar names (prefix + name) and pax `path` records, which is
 * all `npm pack` writes.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function parsePax(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(body.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/** Every regular file of the archive whose path passes `want`, by path. */
export function readTarGz(gzipped: Uint8Array, want: (path: string) => boolean = () => true): Map<string, Buffer> {
  const tar = gunzipSync(gzipped);
  const files = new Map<string, Buffer>();
  let at = 0;
  let paxPath: string | undefined;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`tar: bad size field at offset ${at}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const body = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (body.length !== size) throw new Error(`tar: ${name} is truncated`);
    if (type === 'x') paxPath = parsePax(body).path ?? paxPath;
    else {
      const path = paxPath ?? name;
      paxPath = undefined;
      if ((type === '0' || type === '\0') && want(path)) files.set(path, Buffer.from(body));
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
