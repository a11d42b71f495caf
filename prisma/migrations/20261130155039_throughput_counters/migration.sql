-- CreateTable
CREATE TABLE "frame_throughput" (
    "video_id" UUID NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "frame_throughput_pkey" PRIMARY KEY ("video_id","bucket")
);

-- CreateIndex
CREATE INDEX "frame_throughput_bucket_idx" ON "frame_throughput"("bucket");

-- CreateIndex
CREATE INDEX "video_stages_name_idx" ON "video_stages"("name") WHERE (status = 'running');

-- AddForeignKey
ALTER TABLE "frame_throughput" ADD CONSTRAINT "frame_throughput_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: the counters of the last 25 hours (the longest chart window is a
-- day), from the rows, as lib/pipeline/sql/throughput-counters.ts rebuilds
-- them. A one-off read of frames by finished_at; from here on the settle
-- statements keep the counters.
INSERT INTO "frame_throughput" ("video_id", "bucket", "succeeded", "failed")
SELECT coalesce(ok.video_id, bad.video_id), coalesce(ok.bucket, bad.bucket), coalesce(ok.n, 0), coalesce(bad.n, 0)
  FROM (SELECT video_id, date_bin(interval '10 seconds', finished_at, 'epoch') AS bucket, count(*)::int AS n
          FROM frame_executions
         WHERE status = 'succeeded' AND output_kind IS DISTINCT FROM 'original' AND finished_at >= now() - interval '25 hours'
         GROUP BY 1, 2) ok
  FULL JOIN (SELECT video_id, date_bin(interval '10 seconds', finished_at, 'epoch') AS bucket, count(*)::int AS n
               FROM frame_attempts
              WHERE finished_at >= now() - interval '25 hours'
              GROUP BY 1, 2) bad
    ON bad.video_id = ok.video_id AND bad.bucket = ok.bucket;
