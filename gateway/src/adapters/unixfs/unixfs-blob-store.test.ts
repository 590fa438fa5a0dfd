import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeBlobStoreContract,
  digestOf,
  KNOWN_BLOBS,
  patternBytes,
  patternStream,
} from '../../ports/blob-store.contract.js';
import { UnixfsBlobStore } from './unixfs-blob-store.js';

/*
 * Reference CIDs built from the specs alone (UnixFS data-format, dag-pb, CIDv1, multibase base32) with
 * node:crypto, so the known answers do not rest on the importer that the store itself uses.
 */
const CHUNK = 262_144;
const FANOUT = 174;
const RAW = 0x55;
const DAG_PB = 0x70;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

const varint = (n: number): number[] => {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
};
const tag = (field: number, wireType: 0 | 2): number[] => varint(field * 8 + wireType);
const bytesField = (field: number, bytes: ArrayLike<number>): number[] => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...Array.from(bytes),
];
const cidBytes = (codec: number, block: Uint8Array): number[] => [
  0x01,
  ...varint(codec),
  0x12,
  0x20,
  ...createHash('sha256').update(block).digest(),
];
const cidString = (cid: number[]): string => {
  let bits = 0;
  let value = 0;
  let out = 'b';
  for (const byte of cid) {
    value = ((value << 8) | byte) & 0xfff;
    for (bits += 8; bits >= 5; bits -= 5) out += BASE32[(value >>> (bits - 5)) & 31];
  }
  return bits > 0 ? out + BASE32[(value << (5 - bits)) & 31] : out;
};

interface RefNode {
  cid: number[];
  /** dag-pb Tsize: the bytes of the block and everything under it. */
  tsize: number;
  fileSize: number;
}

/** A file node: links (Hash, empty Name, Tsize) before Data = UnixFS {Type: File, filesize, blocksizes}. */
function fileNode(children: RefNode[]): RefNode {
  const fileSize = children.reduce((sum, c) => sum + c.fileSize, 0);
  const links = children.flatMap((c) =>
    bytesField(2, [...bytesField(1, c.cid), ...bytesField(2, []), ...tag(3, 0), ...varint(c.tsize)]),
  );
  const unixfs = [
    ...tag(1, 0),
    2,
    ...tag(3, 0),
    ...varint(fileSize),
    ...children.flatMap((c) => [...tag(4, 0), ...varint(c.fileSize)]),
  ];
  const block = Uint8Array.from([...links, ...bytesField(1, unixfs)]);
  return {
    cid: cidBytes(DAG_PB, block),
    tsize: block.length + children.reduce((s, c) => s + c.tsize, 0),
    fileSize,
  };
}

function referenceCid(size: number): string {
  let level: RefNode[] = [];
  for (let offset = 0; offset < size || level.length === 0; offset += CHUNK) {
    const leaf = patternBytes(offset, Math.min(CHUNK, size - offset));
    level.push({ cid: cidBytes(RAW, leaf), tsize: leaf.length, fileSize: leaf.length });
  }
  if (level.length === 1) return cidString(level[0].cid);
  do {
    const parents: RefNode[] = [];
    for (let i = 0; i < level.length; i += FANOUT) parents.push(fileNode(level.slice(i, i + FANOUT)));
    level = parents;
  } while (level.length > 1);
  return cidString(level[0].cid);
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'careledger-unixfs-'));
}

async function blockFiles(dir: string): Promise<number> {
  const entries = await readdir(join(dir, 'blocks'), { recursive: true });
  return entries.filter((name) => name.endsWith('.data')).length;
}

describeBlobStoreContract('UnixfsBlobStore', async () => {
  const dir = await tempDir();
  const store = new UnixfsBlobStore({ dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('Kubo-compatible CIDs', () => {
  it.each(KNOWN_BLOBS)(
    'the pinned CID of the $name blob matches the spec-built reference',
    ({ size, cid }) => {
      expect(referenceCid(size)).toBe(cid);
    },
  );

  it('uses a raw CID for a single chunk and a dag-pb CID above it', () => {
    // In base32 CIDv1, "bafk" starts raw (0x55) + sha2-256 and "bafy" dag-pb (0x70) + sha2-256.
    expect(referenceCid(CHUNK)).toMatch(/^bafk/);
    expect(referenceCid(CHUNK + 1)).toMatch(/^bafy/);
  });
});

describe('UnixfsBlobStore on disk', () => {
  let dir: string;
  let store: UnixfsBlobStore;

  beforeEach(async () => {
    dir = await tempDir();
    store = new UnixfsBlobStore({ dir });
    await store.ready();
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores one block per chunk plus the root', async () => {
    await store.add(patternStream(1_048_579));
    expect(await blockFiles(dir)).toBe(6);
  });

  it('deletes the blocks of a removed blob', async () => {
    const { cid } = await store.add(patternStream(1_048_579));
    await store.remove(cid);
    expect(await blockFiles(dir)).toBe(0);
  });

  it('keeps the blocks that another pinned blob uses', async () => {
    const big = await store.add(patternStream(1_048_579));
    await store.add(patternStream(CHUNK));
    await store.remove(big.cid);
    expect(await blockFiles(dir)).toBe(1);
  });

  it('leaves no blocks behind when the upload fails', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* patternStream(1_500_000);
      throw new Error('client went away');
    }
    await expect(store.add(failing())).rejects.toThrow('client went away');
    expect(await blockFiles(dir)).toBe(0);
  });

  it('keeps pins and blocks across close and reopen', async () => {
    const { cid } = await store.add(patternStream(1_048_579));
    await store.close();
    store = new UnixfsBlobStore({ dir });
    await store.ready();
    expect(await store.has(cid)).toBe(true);
    expect(await digestOf(store.cat(cid))).toEqual(await digestOf(patternStream(1_048_579)));
  });

  it('removes blocks of a blob pinned before a restart', async () => {
    const { cid } = await store.add(patternStream(1_048_579));
    await store.close();
    store = new UnixfsBlobStore({ dir });
    await store.remove(cid);
    expect(await blockFiles(dir)).toBe(0);
  });

  it('is not ready once closed', async () => {
    await store.close();
    await expect(store.ready()).rejects.toThrow('closed');
  });
});
