/**
 * A byte-level zip writer for hostile test packages: lying size headers, overlapping entries
 * (the non-recursive zip bomb), arbitrary names and unix modes. yazl (helpers/zip.ts) only
 * writes honest archives; this one writes whatever the test asks for.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** Uncompressed content. */
  data: Buffer;
  /** Deflate (default) or store. */
  deflate?: boolean;
  /** Uncompressed size written into both headers instead of the real one (a lie). */
  declaredSize?: number;
  /** Unix mode incl. type bits (default 0o100644). */
  mode?: number;
}

const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1; // 1980-01-01

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  mode: number;
  offset: number;
}

function localHeader(e: Omit<Written, 'offset' | 'mode'>): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(0x0800, 6); // UTF-8 names
  h.writeUInt16LE(e.method, 8);
  h.writeUInt16LE(DOS_TIME, 10);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt32LE(e.crc >>> 0, 14);
  h.writeUInt32LE(e.compressedSize, 18);
  h.writeUInt32LE(e.uncompressedSize, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(0, 28);
  return Buffer.concat([h, e.name]);
}

function centralHeader(e: Written): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE((3 << 8) | 20, 4); // made by: unix
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(0x0800, 8);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt16LE(DOS_TIME, 12);
  h.writeUInt16LE(DOS_DATE, 14);
  h.writeUInt32LE(e.crc >>> 0, 16);
  h.writeUInt32LE(e.compressedSize, 20);
  h.writeUInt32LE(e.uncompressedSize, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt16LE(0, 30);
  h.writeUInt16LE(0, 32);
  h.writeUInt16LE(0, 34);
  h.writeUInt16LE(0, 36);
  h.writeUInt32LE((e.mode << 16) >>> 0, 38);
  h.writeUInt32LE(e.offset, 42);
  return Buffer.concat([h, e.name]);
}

function endOfCentralDirectory(count: number, cdSize: number, cdOffset: number): Buffer {
  const h = Buffer.alloc(22);
  h.writeUInt32LE(0x06054b50, 0);
  h.writeUInt16LE(count, 8);
  h.writeUInt16LE(count, 10);
  h.writeUInt32LE(cdSize, 12);
  h.writeUInt32LE(cdOffset, 16);
  return h;
}

const crcs = new WeakMap<Buffer, number>();
function crcOf(data: Buffer): number {
  let c = crcs.get(data);
  if (c === undefined) crcs.set(data, (c = crc32(data)));
  return c;
}

/** An archive with exactly these entries, headers as given (lies included). */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const written: Written[] = [];
  let offset = 0;
  // Entries sharing one data Buffer are compressed once.
  const bodies = new Map<Buffer, Buffer>();
  for (const e of entries) {
    const deflate = e.deflate ?? true;
    let body = e.data;
    if (deflate) {
      body = bodies.get(e.data) ?? deflateRawSync(e.data, { level: 1 });
      bodies.set(e.data, body);
    }
    const w: Written = {
      name: Buffer.from(e.name),
      method: deflate ? 8 : 0,
      crc: crcOf(e.data),
      compressedSize: body.length,
      uncompressedSize: e.declaredSize ?? e.data.length,
      mode: e.mode ?? 0o100644,
      offset,
    };
    const header = localHeader(w);
    parts.push(header, body);
    written.push(w);
    offset += header.length + body.length;
  }
  const central = Buffer.concat(written.map(centralHeader));
  return Buffer.concat([...parts, central, endOfCentralDirectory(written.length, central.length, offset)]);
}

/**
 * The overlapping-entries zip bomb: one compressed body, `count` central-directory entries that all
 * point at it. Each entry inflates to `size` bytes, so the archive claims count × size.
 */
export function overlappingZip(count: number, size: number): Buffer {
  const data = Buffer.alloc(size, 0x61);
  const body = deflateRawSync(data, { level: 9 });
  const base = { method: 8, crc: crc32(data), compressedSize: body.length, uncompressedSize: size, mode: 0o100644, offset: 0 };
  const header = localHeader({ ...base, name: Buffer.from('kernel') });
  const entries: Written[] = [];
  for (let i = 0; i < count; i++) entries.push({ ...base, name: Buffer.from(`file${i}.txt`) });
  const central = Buffer.concat(entries.map(centralHeader));
  const cdOffset = header.length + body.length;
  return Buffer.concat([header, body, central, endOfCentralDirectory(count, central.length, cdOffset)]);
}
