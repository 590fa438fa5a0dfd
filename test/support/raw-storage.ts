/**
 * Reads storage files the way someone holding the disk would, without the database: every file under a
 * folder, and for LevelDB files also what compression and framing hide — the keys and values of every block
 * of a table (`.ldb`/`.sst`, snappy-compressed blocks uncompressed) and the reassembled records of a log
 * (`.log`, `MANIFEST-*`: 32 KiB blocks whose records may be split across blocks). Deleted values that LevelDB
 * has not compacted away yet are found this way; reading through the database would hide them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import snappy from 'snappyjs';

/** One file: its path and every text a search must look at (the raw bytes and what LevelDB framing hides). */
export interface RawFile {
  file: string;
  bytes: Buffer;
  /** latin1 views: the raw file, then decoded keys/values/records of LevelDB files. */
  texts: string[];
}

/** Every file under `dir`, recursively, read raw and with LevelDB files decoded. */
export async function readRawStorage(dir: string): Promise<RawFile[]> {
  const out: RawFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await readRawStorage(full)));
      continue;
    }
    const bytes = await readFile(full);
    const texts = [bytes.toString('latin1')];
    if (/\.(ldb|sst)$/.test(entry.name)) texts.push(...tableEntries(bytes).map((b) => b.toString('latin1')));
    if (/\.log$|^MANIFEST-/.test(entry.name)) texts.push(...logRecords(bytes).map((b) => b.toString('latin1')));
    out.push({ file: full, bytes, texts });
  }
  return out;
}

/** The files whose raw or decoded content contains `needle` (latin1 / ASCII). */
export function filesContaining(files: RawFile[], needle: string): string[] {
  return files.filter((f) => f.texts.some((t) => t.includes(needle))).map((f) => f.file);
}

function varint(buf: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

/** A table block's contents (uncompressed), from its handle. */
function tableBlock(file: Buffer, offset: number, size: number): Buffer {
  const data = file.subarray(offset, offset + size);
  const type = file[offset + size];
  if (type === 1) return Buffer.from(snappy.uncompress(new Uint8Array(data)));
  return Buffer.from(data);
}

/** Key/value pairs of a block (prefix-compressed keys rebuilt in full). */
function blockEntries(block: Buffer): [Buffer, Buffer][] {
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - 4 * restarts;
  const entries: [Buffer, Buffer][] = [];
  let key = Buffer.alloc(0);
  let pos = 0;
  while (pos < end) {
    let shared: number, nonShared: number, valueLength: number;
    [shared, pos] = varint(block, pos);
    [nonShared, pos] = varint(block, pos);
    [valueLength, pos] = varint(block, pos);
    key = Buffer.concat([key.subarray(0, shared), block.subarray(pos, pos + nonShared)]);
    pos += nonShared;
    entries.push([key, block.subarray(pos, pos + valueLength)]);
    pos += valueLength;
  }
  return entries;
}

/** Every key and value of every data block of an SSTable, each as its own buffer. */
export function tableEntries(file: Buffer): Buffer[] {
  const footer = file.subarray(file.length - 48);
  const [, afterMetaOffset] = varint(footer, 0); // metaindex handle: offset, size
  const [, afterMetaSize] = varint(footer, afterMetaOffset);
  const [indexOffset, afterIndexOffset] = varint(footer, afterMetaSize);
  const [indexSize] = varint(footer, afterIndexOffset);
  const out: Buffer[] = [];
  for (const [, handle] of blockEntries(tableBlock(file, indexOffset, indexSize))) {
    const [offset, next] = varint(handle, 0);
    const [size] = varint(handle, next);
    for (const [key, value] of blockEntries(tableBlock(file, offset, size))) out.push(key, value);
  }
  return out;
}

const LOG_BLOCK = 32768;
const HEADER = 7;

/** The records of a LevelDB log file (a write-ahead log or a MANIFEST), fragments joined. */
export function logRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let block = 0; block < file.length; block += LOG_BLOCK) {
    const end = Math.min(block + LOG_BLOCK, file.length);
    let pos = block;
    while (pos + HEADER <= end) {
      const length = file.readUInt16LE(pos + 4);
      const type = file[pos + 6];
      if (type === 0 && length === 0) break; // zero padding to the end of the block
      const data = file.subarray(pos + HEADER, pos + HEADER + length);
      pos += HEADER + length;
      if (type === 1) records.push(Buffer.from(data));
      else if (type === 2) pending = [Buffer.from(data)];
      else if (type === 3) pending.push(Buffer.from(data));
      else if (type === 4) {
        pending.push(Buffer.from(data));
        records.push(Buffer.concat(pending));
        pending = [];
      }
    }
  }
  return records;
}
