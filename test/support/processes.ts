import { readdir, readFile } from "node:fs/promises";

/** Live ffmpeg processes (not zombies) whose command line mentions `needle` (a file or folder of the test). */
export async function ffmpegProcessesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(needle) || !cmdline.split("\0").some((arg) => /(^|\/)ffmpeg$/.test(arg))) continue;
    if (await isRunning(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export async function isRunning(pid: number): Promise<boolean> {
  return readFile(`/proc/${pid}/stat`, "utf8").then((s) => !/^\d+ \(.*\) [ZX]/.test(s), () => false);
}
