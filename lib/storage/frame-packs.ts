import { randomBytes } from "node:crypto";
import { FRAMES_PER_PACK, videoKeys } from "./keys";
import type { Storage } from "./storage";

// A video's extracted frames are stored FRAMES_PER_PACK to an object (a
// "pack"), not one object per frame, and so are enhanced frames (below).
// Every frame is still its own image, job, execution row and result; only
// the images travel together: the source images the way extraction
// produces them (in order), the results the way a claim enhances them. On S3 one PUT carries 32
// frames instead of 32 PUTs (a request costs about as much as its bytes at
// this size, and AWS bills PUTs); on a local disk it is one file instead of
// 32. A frame is read out of its pack: the engine (and "encode anyway") reads
// a pack once and keeps it for the frames after (FramePackReader); a single
// image (the dashboard's original frame) is read with two ranged reads.
//
// The layout is fixed for stored videos: pack of frame i starts at
// i - i % FRAMES_PER_PACK (keys.framePack). Bytes, big-endian:
//   "FWFP" | first frame index u32 | count u32 | count + 1 offsets u32 | images
// offsets are from the start of the images; image k is [offset k, offset k+1).

const MAGIC = Buffer.from("FWFP");
const FIXED = 12;
/** The longest header of a pack (a full one): what one ranged read fetches to find a frame. */
export const MAX_PACK_HEADER = FIXED + 4 * (FRAMES_PER_PACK + 1);

// Enhanced frames are packed too: one pack per chunk of frames a claim
// enhanced (lib/pipeline/frame-engine.ts), written before their rows are
// marked, named in each row (frame_executions.result_pack). A chunk's frames
// need not follow each other (a failed frame is left out, a retried one
// comes alone), so the header lists each image's frame:
//   "FWRP" | count u32 | count frame indexes u32 | count + 1 offsets u32 | images
const RESULT_MAGIC = Buffer.from("FWRP");
const RESULT_FIXED = 8;
/** The most frames a pack of enhanced frames holds (a chunk is WORKER_CONCURRENCY x 4). */
export const MAX_RESULT_PACK_FRAMES = 4096;
/** What a first ranged read fetches of a pack of enhanced frames: the whole header of packs up to 255 frames. */
const RESULT_HEAD_READ = 4096;

export class FramePackError extends Error {
  override name = "FramePackError";
}

/** One pack of the frames first, first + 1, … (at most FRAMES_PER_PACK, all of one pack). */
export function encodeFramePack(first: number, frames: Buffer[]): Buffer {
  if (frames.length === 0 || frames.length > FRAMES_PER_PACK || first % FRAMES_PER_PACK !== 0) {
    throw new FramePackError(`a pack holds 1-${FRAMES_PER_PACK} frames from a multiple of ${FRAMES_PER_PACK} (got ${frames.length} from ${first})`);
  }
  const header = Buffer.alloc(FIXED + 4 * (frames.length + 1));
  MAGIC.copy(header, 0);
  header.writeUInt32BE(first, 4);
  header.writeUInt32BE(frames.length, 8);
  writeOffsets(header, FIXED, frames);
  return Buffer.concat([header, ...frames]);
}

/** One pack of enhanced frames, any frames of one video, each once. */
export function encodeResultPack(frames: { index: number; image: Buffer }[]): Buffer {
  if (frames.length === 0 || frames.length > MAX_RESULT_PACK_FRAMES || new Set(frames.map((f) => f.index)).size !== frames.length) {
    throw new FramePackError(`a pack of enhanced frames holds 1-${MAX_RESULT_PACK_FRAMES} distinct frames (got ${frames.length})`);
  }
  const header = Buffer.alloc(RESULT_FIXED + 4 * frames.length + 4 * (frames.length + 1));
  RESULT_MAGIC.copy(header, 0);
  header.writeUInt32BE(frames.length, 4);
  frames.forEach((f, k) => header.writeUInt32BE(f.index, RESULT_FIXED + 4 * k));
  writeOffsets(
    header,
    RESULT_FIXED + 4 * frames.length,
    frames.map((f) => f.image),
  );
  return Buffer.concat([header, ...frames.map((f) => f.image)]);
}

function writeOffsets(header: Buffer, at: number, images: Buffer[]) {
  let offset = 0;
  images.forEach((image, k) => {
    header.writeUInt32BE(offset, at + 4 * k);
    offset += image.length;
  });
  header.writeUInt32BE(offset, at + 4 * images.length);
}

/** A new name for a pack of enhanced frames (random: each claim writes its own, never over another's). */
export function newResultPackName(firstFrame: number): string {
  return `${String(firstFrame).padStart(6, "0")}-${randomBytes(6).toString("hex")}`;
}

interface PackHeader {
  /** Bytes of the header; 0 when `bytes` holds too little of it (the size is then `needed`). */
  size: number;
  needed: number;
  /** Image k of frame `index`, or -1 when the pack does not hold it. */
  slot(index: number): number;
  /** Byte range [start, end) of image k within the pack (header included). */
  span(k: number): { start: number; end: number };
}

/** Reads and checks a pack's header (either kind) from its first bytes. */
function readHeader(bytes: Buffer, key: string): PackHeader {
  const bad = (why: string) => new FramePackError(`the frame pack ${key} is not readable: ${why}`);
  const result = bytes.length >= RESULT_FIXED && bytes.subarray(0, 4).equals(RESULT_MAGIC);
  if (!result && (bytes.length < FIXED || !bytes.subarray(0, 4).equals(MAGIC))) throw bad("no pack header");
  const count = bytes.readUInt32BE(result ? 4 : 8);
  if (count === 0 || count > (result ? MAX_RESULT_PACK_FRAMES : FRAMES_PER_PACK)) throw bad(`it says it holds ${count} frames`);
  const at = result ? RESULT_FIXED + 4 * count : FIXED;
  const size = at + 4 * (count + 1);
  if (bytes.length < size) return { size: 0, needed: size, slot: () => -1, span: () => ({ start: 0, end: 0 }) };
  const offsets = Array.from({ length: count + 1 }, (_, k) => bytes.readUInt32BE(at + 4 * k));
  if (offsets[0] !== 0 || offsets.some((o, k) => k > 0 && o < offsets[k - 1]!)) throw bad("its offsets are out of order");
  let slot: (index: number) => number;
  if (result) {
    const slots = new Map(Array.from({ length: count }, (_, k) => [bytes.readUInt32BE(RESULT_FIXED + 4 * k), k]));
    slot = (index) => slots.get(index) ?? -1;
  } else {
    const first = bytes.readUInt32BE(4);
    slot = (index) => (index >= first && index < first + count ? index - first : -1);
  }
  return { size, needed: size, slot, span: (k) => ({ start: size + offsets[k]!, end: size + offsets[k + 1]! }) };
}

function wholeHeader(bytes: Buffer, key: string): PackHeader {
  const header = readHeader(bytes, key);
  if (header.size === 0) throw new FramePackError(`the frame pack ${key} is not readable: its header is cut short`);
  return header;
}

/** Image `index` of a whole pack (either kind), or null when the pack does not hold it. A view into the pack. */
export function frameFromPack(pack: Buffer, index: number, key = "(pack)"): Buffer | null {
  const header = wholeHeader(pack, key);
  const k = header.slot(index);
  if (k < 0) return null;
  const { start, end } = header.span(k);
  if (end > pack.length) throw new FramePackError(`the frame pack ${key} is cut short (${pack.length} bytes, frame ${index} ends at ${end})`);
  return pack.subarray(start, end);
}

/**
 * Frame `index` read alone, with two ranged reads (its pack's header, then
 * its bytes); null when it is not stored. A video extracted before packs has
 * its frames one per object: read there when there is no pack.
 */
export async function readPackedFrame(storage: Storage, videoId: string, index: number): Promise<Buffer | null> {
  const keys = videoKeys(videoId);
  return (await readFrameOfPack(storage, keys.framePack(index), index, MAX_PACK_HEADER)) ?? (await storage.get(keys.legacyFrame(index)));
}

/**
 * Enhanced frame `index` read alone: out of the pack its row names (ranged
 * reads), or, with no pack, the image stored for it alone (frames enhanced
 * before packs, and "encode anyway"). Null when it is not stored (or the pack
 * does not hold it).
 */
export async function readResultFrame(storage: Storage, videoId: string, index: number, pack: string | null): Promise<Buffer | null> {
  const keys = videoKeys(videoId);
  return pack === null ? storage.get(keys.enhancedFrame(index)) : readFrameOfPack(storage, keys.resultPack(pack), index, RESULT_HEAD_READ);
}

async function readFrameOfPack(storage: Storage, key: string, index: number, headRead: number): Promise<Buffer | null> {
  let head = await readRange(storage, key, 0, headRead - 1);
  if (!head) return null;
  let header = readHeader(head, key);
  if (header.size === 0) {
    head = (await readRange(storage, key, 0, header.needed - 1)) ?? Buffer.alloc(0);
    header = wholeHeader(head, key);
  }
  const k = header.slot(index);
  if (k < 0) return null;
  const { start, end } = header.span(k);
  if (end === start) return Buffer.alloc(0);
  const image = await readRange(storage, key, start, end - 1);
  if (!image || image.length !== end - start) throw new FramePackError(`the frame pack ${key} is cut short (frame ${index})`);
  return image;
}

async function readRange(storage: Storage, key: string, start: number, end: number): Promise<Buffer | null> {
  const stream = await storage.stream(key, { start, end });
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Reads frames out of whole packs, keeping the packs last read (up to a byte
 * budget, at least one) for the frames that follow: the engine reads a
 * video's frames in runs, so a pack is fetched once, not once per frame.
 * Concurrent reads of one pack share its fetch. A pack that is not stored is
 * not remembered (it may be written a moment later); the frame is then read
 * where frames were stored before packs, one per object.
 */
export class FramePackReader {
  private readonly packs = new Map<string, Promise<Buffer | null>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly storage: Storage,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Extracted frame `index`. */
  async frame(videoId: string, index: number): Promise<Buffer | null> {
    const keys = videoKeys(videoId);
    const key = keys.framePack(index);
    const data = await this.pack(key);
    return data ? frameFromPack(data, index, key) : this.storage.get(keys.legacyFrame(index));
  }

  /** Enhanced frame `index`, out of the pack its row names (null: stored alone, see readResultFrame). */
  async result(videoId: string, index: number, pack: string | null): Promise<Buffer | null> {
    const keys = videoKeys(videoId);
    if (pack === null) return this.storage.get(keys.enhancedFrame(index));
    const key = keys.resultPack(pack);
    const data = await this.pack(key);
    return data ? frameFromPack(data, index, key) : null;
  }

  private async pack(key: string): Promise<Buffer | null> {
    let pack = this.packs.get(key);
    if (pack) {
      // Most recently used last.
      this.packs.delete(key);
      this.packs.set(key, pack);
    } else {
      const fetched = this.storage.get(key);
      pack = fetched;
      this.packs.set(key, fetched);
      // Only while this fetch is still the one remembered (it may have been pushed out, and the pack fetched again).
      const current = () => this.packs.get(key) === fetched;
      fetched.then(
        (data) => current() && (data ? this.account(key, data.length) : this.forget(key)),
        () => current() && this.forget(key),
      );
    }
    return pack;
  }

  private account(key: string, size: number) {
    this.sizes.set(key, size);
    this.bytes += size;
    for (const oldest of this.packs.keys()) {
      if (this.bytes <= this.maxBytes || oldest === key) break;
      this.forget(oldest);
    }
  }

  private forget(key: string) {
    this.packs.delete(key);
    this.bytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
  }
}

/**
 * Collects frames handed over in order (extraction) into packs, and stores
 * each pack when it is full (and the last one at flush): `store` puts it and
 * records that its frames have landed. While two packs are being stored, a
 * frame handed over waits (so does extraction, through its window of frames
 * in flight): memory holds a few packs, however slow the store.
 */
export class FramePackWriter {
  private frames: Buffer[] = [];
  private first = 0;
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly store: (first: number, pack: Buffer, count: number) => Promise<void>,
    private readonly maxWriting = 2,
  ) {}

  /** Resolves once the frame is held (and the store has room), or, for the last frame of a pack, once the pack is stored. */
  async add(index: number, image: Buffer): Promise<void> {
    if (index !== this.first + this.frames.length) throw new FramePackError(`frames must come in order: got ${index}, expected ${this.first + this.frames.length}`);
    this.frames.push(image);
    if (this.frames.length === FRAMES_PER_PACK) await this.write();
    else while (this.writing.size >= this.maxWriting) await Promise.race(this.writing);
  }

  /** Stores the frames of an unfinished last pack, and waits for every pack being stored. */
  async flush(): Promise<void> {
    if (this.frames.length > 0) await this.write();
    await Promise.all(this.writing);
  }

  private write(): Promise<void> {
    const { first, frames } = this;
    this.frames = [];
    this.first = first + frames.length;
    const write: Promise<void> = this.store(first, encodeFramePack(first, frames), frames.length).finally(() => this.writing.delete(write));
    this.writing.add(write);
    return write;
  }
}
