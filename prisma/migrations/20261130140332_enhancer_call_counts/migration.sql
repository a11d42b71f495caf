-- AlterTable
ALTER TABLE "frame_executions" ADD COLUMN     "enhancer_calls" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "enhancer_call_counts" (
    "video_id" UUID NOT NULL,
    "calls" BIGINT NOT NULL DEFAULT 0,
    "succeeded" BIGINT NOT NULL DEFAULT 0,
    "repeated" BIGINT NOT NULL DEFAULT 0,
    "skipped_delivered" BIGINT NOT NULL DEFAULT 0,
    "skipped_recovered" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enhancer_call_counts_pkey" PRIMARY KEY ("video_id")
);
