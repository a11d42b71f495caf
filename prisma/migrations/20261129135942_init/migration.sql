-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "video_status" AS ENUM ('queued', 'processing', 'completed', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "stage_status" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'skipped', 'canceled');

-- CreateEnum
CREATE TYPE "frame_status" AS ENUM ('pending', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "stage_name" AS ENUM ('preprocess', 'enhance', 'thumbnails', 'captions', 'encode');

-- CreateTable
CREATE TABLE "videos" (
    "id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "status" "video_status" NOT NULL DEFAULT 'queued',
    "error" JSONB,
    "original_name" TEXT NOT NULL,
    "source_bytes" BIGINT NOT NULL,
    "duration_sec" DOUBLE PRECISION,
    "fps_num" INTEGER,
    "fps_den" INTEGER,
    "width" INTEGER,
    "height" INTEGER,
    "frame_count" INTEGER,
    "video_codec" TEXT,
    "audio_codec" TEXT,
    "has_audio" BOOLEAN,
    "probe" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "videos_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "video_stages" (
    "video_id" UUID NOT NULL,
    "name" "stage_name" NOT NULL,
    "status" "stage_status" NOT NULL DEFAULT 'pending',
    "total" INTEGER NOT NULL DEFAULT 0,
    "pending" INTEGER NOT NULL DEFAULT 0,
    "running" INTEGER NOT NULL DEFAULT 0,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "error" JSONB,
    "result" JSONB,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "video_stages_pkey" PRIMARY KEY ("video_id","name")
);

-- CreateTable
CREATE TABLE "frame_executions" (
    "id" BIGSERIAL NOT NULL,
    "video_id" UUID NOT NULL,
    "frame_index" INTEGER NOT NULL,
    "status" "frame_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attempt_limit" INTEGER NOT NULL DEFAULT 5,
    "attempt_token" UUID,
    "worker_id" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "retry_at" TIMESTAMPTZ(3),
    "last_error" JSONB,
    "error_fingerprint" TEXT,
    "output_kind" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "frame_executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "frame_attempts" (
    "id" BIGSERIAL NOT NULL,
    "frame_id" BIGINT NOT NULL,
    "video_id" UUID NOT NULL,
    "frame_index" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker_id" TEXT,
    "error" JSONB NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "duration_ms" INTEGER,

    CONSTRAINT "frame_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "in_flight" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enhancer_state" (
    "id" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "refilled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "breaker_state" TEXT NOT NULL DEFAULT 'closed',
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "opened_at" TIMESTAMPTZ(3),
    "next_probe_at" TIMESTAMPTZ(3),
    "probe_token" UUID,
    "probe_expires_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enhancer_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enhancer_permits" (
    "id" UUID NOT NULL,
    "worker_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enhancer_permits_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "videos_created_at_id_idx" ON "videos"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "videos_status_idx" ON "videos"("status");

-- CreateIndex
CREATE INDEX "frame_executions_video_id_status_frame_index_idx" ON "frame_executions"("video_id", "status", "frame_index");

-- CreateIndex
CREATE INDEX "frame_executions_video_id_error_fingerprint_idx" ON "frame_executions"("video_id", "error_fingerprint");

-- CreateIndex
CREATE INDEX "frame_executions_status_lease_expires_at_idx" ON "frame_executions"("status", "lease_expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "frame_executions_video_id_frame_index_key" ON "frame_executions"("video_id", "frame_index");

-- CreateIndex
CREATE INDEX "frame_attempts_frame_id_attempt_idx" ON "frame_attempts"("frame_id", "attempt");

-- CreateIndex
CREATE INDEX "frame_attempts_video_id_finished_at_idx" ON "frame_attempts"("video_id", "finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE INDEX "enhancer_permits_expires_at_idx" ON "enhancer_permits"("expires_at");

-- AddForeignKey
ALTER TABLE "video_stages" ADD CONSTRAINT "video_stages_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "frame_executions" ADD CONSTRAINT "frame_executions_video_id_fkey" FOREIGN KEY ("video_id") REFERENCES "videos"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "frame_attempts" ADD CONSTRAINT "frame_attempts_frame_id_fkey" FOREIGN KEY ("frame_id") REFERENCES "frame_executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
