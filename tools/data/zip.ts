/**
 * Reads the regular files of a zip archive (a Python wheel) into memory — no extraction to disk,
 * no dependency. Follows APPNOTE.TXT (PKWARE, 6.3.10): the end-of-central-directory record (4.3.16)
 * locates the central directory (4.3.12), whose entries give each file's method, sizes, CRC-32 and
 * local header offset; the local header (4.3.7) gives where the data starts. Methods 0 (stored)
 * and 8 (deflate) are read, which is all wheels use; anything else, encryption, ZIP64 and archives
 * spanning several disks are refused.
 *
 * Invariant: every returned file has the size and CRC-32 its central directory entry states.
 */
import { crc32, inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function fail(message: string): never {
  throw new Error(`zip: ${message}`);
}

function endOfCentralDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    // The comment may itself hold the signature; the record is the one whose comment ends the file.
    if (zip.readUInt32LE(at) === EOCD && at + EOCD_SIZE + zip.readUInt16LE(at + 20) === zip.length) return at;
  }
  return fail('no end-of-central-directory record (not a zip archive, or truncated)');
}

/** Every regular file of the archive whose path passes `want`, by path. */
export function readZip(bytes: Uint8Array, want: (path: string) => boolean = () => true): Map<string, Buffer> {
  const zip = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (zip.length < EOCD_SIZE) fail('shorter than an end-of-central-directory record');
  const eocd = endOfCentralDirectory(zip);
  if (zip.readUInt16LE(eocd + 4) !== 0 || zip.readUInt16LE(eocd + 6) !== 0) fail('archives spanning several disks are not supported');
  const entries = zip.readUInt16LE(eocd + 10);
  const directorySize = zip.readUInt32LE(eocd + 12);
  const directoryOffset = zip.readUInt32LE(eocd + 16);
  if (entries === 0xffff || directoryOffset === 0xffffffff) fail('ZIP64 archives are not supported');
  if (directoryOffset + directorySize > eocd) fail('the central directory overlaps its end record');

  const files = new Map<string, Buffer>();
  let at = directoryOffset;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== CENTRAL) fail(`central directory entry ${n} has no signature at offset ${at}`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    // Bit 11: the name is UTF-8; otherwise CP437, which agrees with UTF-8 on the ASCII names wheels use.
    const path = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;

    if (path.endsWith('/') || !want(path)) continue;
    if (flags & 0x1) fail(`${path} is encrypted`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) fail(`${path} needs ZIP64, which is not supported`);
    if (localOffset + 30 > directoryOffset || zip.readUInt32LE(localOffset) !== LOCAL) fail(`${path}: no local header at offset ${localOffset}`);
    const localName = zip.subarray(localOffset + 30, localOffset + 30 + zip.readUInt16LE(localOffset + 26)).toString('utf8');
    if (localName !== path) fail(`${path}: the local header names ${JSON.stringify(localName)}`);
    // The local extra field may differ from the central one, so its own length says where data starts.
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (data.length !== compressedSize || dataStart + compressedSize > directoryOffset) fail(`${path} is truncated`);

    let content: Buffer;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) {
      try {
        content = inflateRawSync(data);
      } catch (error) {
        return fail(`${path}: deflate stream is corrupt (${(error as Error).message})`);
      }
    } else return fail(`${path}: compression method ${method} is not supported (only 0, stored, and 8, deflate)`);
    if (content.length !== size) fail(`${path} is ${content.length} bytes, its directory entry says ${size}`);
    const actual = crc32(content) >>> 0;
    if (actual !== crc) fail(`${path}: CRC-32 ${actual.toString(16).padStart(8, '0')} differs from its directory entry ${crc.toString(16).padStart(8, '0')}`);
    files.set(path, content);
  }
  return files;
}
