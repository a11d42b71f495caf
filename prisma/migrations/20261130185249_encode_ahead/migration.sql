-- CreateTable
CREATE TABLE "encode_ahead" (
    "video_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "worker_id" TEXT,
    "frames" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "encode_ahead_pkey" PRIMARY KEY ("video_id")
);

-- AddForeignKey
ALTER TABLE "encode_ahead" ADD CONSTRAINT "encode_ahead_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;
