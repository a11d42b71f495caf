import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { env } from "@/lib/env";
import { MediaError } from "./errors";

// Which ffmpeg/ffprobe to run: FFMPEG_PATH / FFPROBE_PATH when set, else the
// system's (on PATH), else the static builds shipped in @ffmpeg-installer and
// @ffprobe-installer. A configured path that does not run is an error, not a
// reason to fall back: silently using another build would hide the mistake.
// Each candidate is checked by running `-version` once; the answer is memoised
// for the life of the process.

export type ToolName = "ffmpeg" | "ffprobe";
export type BinarySource = "env" | "system" | "bundled";

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
  /** First line of `-version`, e.g. "ffmpeg version 5.1.9-0+deb12u1 ...". */
  version: string;
}

export interface ResolveOptions {
  /** FFMPEG_PATH / FFPROBE_PATH, when set. */
  configured?: string;
  /** Command looked up on PATH; defaults to the tool's name. */
  systemCommand?: string;
  /** Path of the npm-shipped binary; defaults to the installer package's `.path`. */
  bundled?: () => string | undefined;
}

const ENV_NAMES: Record<ToolName, string> = { ffmpeg: "FFMPEG_PATH", ffprobe: "FFPROBE_PATH" };
const INSTALLER_PACKAGES: Record<ToolName, string> = {
  ffmpeg: "@ffmpeg-installer/ffmpeg",
  ffprobe: "@ffprobe-installer/ffprobe",
};

function versionOf(command: string): { version: string } | { error: string } {
  try {
    const out = execFileSync(command, ["-hide_banner", "-version"], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10_000,
      maxBuffer: 1024 * 1024,
      encoding: "utf8",
    });
    return { version: out.split("\n")[0]?.trim() || command };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    const reason = e.code ?? (e.stderr ? String(e.stderr).trim().slice(0, 200) : e.message);
    return { error: reason };
  }
}

function installerPath(tool: ToolName): string | undefined {
  try {
    // Loaded lazily: the installer packages throw at require time when their
    // platform binary is missing, which must not break importing this module.
    // Resolved at run time from the project's node_modules, out of sight of
    // Next's bundler (which would try to trace the installers' own dynamic
    // requires and fail the build).
    const require = createRequire(path.join(process.cwd(), "package.json"));
    const pkg = require(/* turbopackIgnore: true */ INSTALLER_PACKAGES[tool]) as { path?: unknown };
    return typeof pkg.path === "string" ? pkg.path : undefined;
  } catch {
    return undefined;
  }
}

export function resolveBinary(tool: ToolName, options: ResolveOptions = {}): ResolvedBinary {
  if (options.configured) {
    const result = versionOf(options.configured);
    if ("version" in result) return { path: options.configured, source: "env", version: result.version };
    throw new MediaError(
      "binary_not_found",
      `${ENV_NAMES[tool]}=${options.configured} does not run (${result.error}); fix it or unset it to use the system ${tool}`,
    );
  }
  const tried: string[] = [];
  const systemCommand = options.systemCommand ?? tool;
  const system = versionOf(systemCommand);
  if ("version" in system) return { path: systemCommand, source: "system", version: system.version };
  tried.push(`"${systemCommand}" on PATH (${system.error})`);

  const bundledPath = (options.bundled ?? (() => installerPath(tool)))();
  if (bundledPath) {
    const bundled = versionOf(bundledPath);
    if ("version" in bundled) return { path: bundledPath, source: "bundled", version: bundled.version };
    tried.push(`${bundledPath} (${bundled.error})`);
  } else {
    tried.push(`${INSTALLER_PACKAGES[tool]} (not installed for this platform)`);
  }
  throw new MediaError(
    "binary_not_found",
    `no working ${tool} found: tried ${tried.join(", ")}; install ${tool} or set ${ENV_NAMES[tool]}`,
  );
}

const resolved = new Map<string, ResolvedBinary>();

function memoised(tool: ToolName, configured: string | undefined): ResolvedBinary {
  const key = `${tool}\0${configured ?? ""}`;
  let binary = resolved.get(key);
  if (!binary) {
    // Failures are not memoised: installing ffmpeg fixes a running worker.
    binary = resolveBinary(tool, { configured });
    resolved.set(key, binary);
  }
  return binary;
}

export function ffmpegBinary(configured: string | undefined = env().FFMPEG_PATH): ResolvedBinary {
  return memoised("ffmpeg", configured);
}

export function ffprobeBinary(configured: string | undefined = env().FFPROBE_PATH): ResolvedBinary {
  return memoised("ffprobe", configured);
}

export function ffmpegPath(configured?: string): string {
  return ffmpegBinary(configured ?? env().FFMPEG_PATH).path;
}

export function ffprobePath(configured?: string): string {
  return ffprobeBinary(configured ?? env().FFPROBE_PATH).path;
}

export interface FfmpegFeatures {
  /** `-fps_mode` (ffmpeg >= 5.1); older builds such as the npm-shipped one only know `-vsync`. */
  fpsMode: boolean;
  /** `-stats_period` (ffmpeg >= 4.4): how often -progress reports. */
  statsPeriod: boolean;
  /** The zscale filter (built with libzimg, as Debian's and the npm-shipped builds are). */
  zscale: boolean;
}

const features = new Map<string, FfmpegFeatures>();

/** Options that differ between the ffmpeg builds we may run, read from `-h long` once per binary. */
export function ffmpegFeatures(binary: string = ffmpegPath()): FfmpegFeatures {
  let found = features.get(binary);
  if (!found) {
    const help = helpText(binary, ["-h", "long"]);
    const filters = helpText(binary, ["-filters"]);
    found = { fpsMode: /^-fps_mode\b/m.test(help), statsPeriod: /^-stats_period\b/m.test(help), zscale: /^ \S+ zscale\b/m.test(filters) };
    features.set(binary, found);
  }
  return found;
}

function helpText(binary: string, args: string[]): string {
  try {
    return execFileSync(binary, ["-hide_banner", ...args], {
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
      maxBuffer: 4 * 1024 * 1024,
      encoding: "utf8",
    });
  } catch {
    // An unreadable help text means an old or odd build: assume the old options.
    return "";
  }
}

/** `-fps_mode passthrough` where supported, else its older spelling. */
export function passthroughArgs(binary: string = ffmpegPath()): string[] {
  return ffmpegFeatures(binary).fpsMode ? ["-fps_mode", "passthrough"] : ["-vsync", "passthrough"];
}
