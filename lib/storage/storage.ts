import type { Readable } from "node:stream";

// One async interface for every file of a video: the source, the frames and
// enhanced frames, the audio, the output, the thumbnails and sprite, the
// captions. Keys are "/"-separated paths built from ids (lib/storage/keys.ts),
// never from user input. Two backends: the local disk under DATA_DIR (one
// machine) and any S3-compatible object store (a fleet that shares no disk).

export interface StoredObject {
  size: number;
  modified: Date;
}

/** Inclusive byte range, as in HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StorageUsage {
  objects: number;
  bytes: number;
}

export interface Storage {
  readonly kind: "local" | "s3";
  /** Where, in words, for logs and messages ("s3://bucket/prefix", "/data"). */
  readonly location: string;
  /** Whole or absent: a reader never sees half an object (temp + rename locally; a PUT is atomic in S3). */
  put(key: string, body: Buffer | Readable, contentType?: string): Promise<void>;
  /**
   * Makes objects written with put durable: on disk, temp + rename is atomic
   * but not durable until the files and their folder are fsynced (a machine
   * that loses power could come back with a frame missing while its row says
   * succeeded); on S3 a completed PUT already is, so nothing is done.
   */
  sync(keys: string[]): Promise<void>;
  /** Uploads a local file (streamed; multipart on S3). */
  putFile(key: string, file: string, contentType?: string): Promise<void>;
  /** The whole object, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  /** A stream of the object (or of one range of it), or null when there is none. */
  stream(key: string, range?: ByteRange): Promise<Readable | null>;
  head(key: string): Promise<StoredObject | null>;
  copy(from: string, to: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every object under the prefix; says what it removed. */
  deletePrefix(prefix: string): Promise<StorageUsage>;
  usage(prefix: string): Promise<StorageUsage>;
  /**
   * What ffmpeg/ffprobe open to read an object: a local path, or a
   * short-lived presigned https URL (ffmpeg seeks in it with Range requests,
   * so a multi-GB source is never copied to the worker's disk).
   */
  mediaInput(key: string): Promise<string>;
  /** Checks at start that the store is reachable and writable; throws StorageConfigError with a sentence. */
  check(): Promise<void>;
}

export class StorageConfigError extends Error {
  override name = "StorageConfigError";
}
