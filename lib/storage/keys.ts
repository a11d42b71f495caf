// Object keys of a video's files, the same layout as DATA_DIR/videos/<id>/
// on the local disk. Built from the video id (a UUID the database issued) and
// fixed names or numbers only. Frame numbers are 0-based, zero-padded to 6
// digits (the pattern ffmpeg's image2 uses, %06d). Extracted frames are
// stored 32 to a pack (lib/storage/frame-packs.ts), named by the pack's first
// frame; enhanced frames in packs of the frames one claim enhanced, named in
// their rows.

export function videoPrefix(videoId: string): string {
  return `videos/${videoId}/`;
}

export function frameFileName(index: number): string {
  return `${String(index).padStart(6, "0")}.jpg`;
}

/** Frames per pack of extracted frames: part of the stored layout (see lib/storage/frame-packs.ts). */
export const FRAMES_PER_PACK = 32;

export function videoKeys(videoId: string) {
  const dir = videoPrefix(videoId);
  return {
    prefix: dir,
    source: `${dir}source`,
    audio: `${dir}audio.m4a`,
    output: `${dir}output.mp4`,
    // The early encode's pictures (no sound), removed once the output is made.
    pictures: `${dir}pictures.mp4`,
    captions: `${dir}captions.vtt`,
    framesPrefix: `${dir}frames/`,
    enhancedPrefix: `${dir}enhanced/`,
    thumbnailsPrefix: `${dir}thumbnails/`,
    /** The pack holding extracted frame `index` (frames/000032.pack holds 32-63). */
    framePack: (index: number) => `${dir}frames/${String(index - (index % FRAMES_PER_PACK)).padStart(6, "0")}.pack`,
    /** Where an extracted frame was stored, one image per object, before packs (read as a fallback for videos extracted then). */
    legacyFrame: (index: number) => `${dir}frames/${frameFileName(index)}`,
    /** Where an enhanced frame is stored alone: frames enhanced before packs, and "encode anyway" (its original). */
    enhancedFrame: (index: number) => `${dir}enhanced/${frameFileName(index)}`,
    /** A pack of enhanced frames, by the name in its frames' rows (frame_executions.result_pack). */
    resultPack: (name: string) => {
      if (!/^[0-9]{6,10}-[0-9a-f]{12}$/.test(name)) throw new Error(`not the name of a pack of enhanced frames: ${JSON.stringify(name)}`);
      return `${dir}enhanced/${name}.pack`;
    },
    thumbnail: (name: string) => `${dir}thumbnails/${name}`,
  };
}

/** Every key must be a plain relative path: no "..", no leading "/", no empty segment. */
export function assertSafeKey(key: string): void {
  if (!key || key.startsWith("/") || key.split("/").some((part, i, all) => part === ".." || part === "." || (part === "" && i !== all.length - 1))) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
