-- AlterTable
ALTER TABLE "videos" ADD COLUMN     "frames_purged_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "tus_uploads" (
    "id" TEXT NOT NULL,
    "upload_length" BIGINT,
    "upload_offset" BIGINT NOT NULL DEFAULT 0,
    "parts" INTEGER NOT NULL DEFAULT 0,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "result" JSONB,
    "finishing_until" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "tus_uploads_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tus_uploads_created_at_idx" ON "tus_uploads"("created_at");
