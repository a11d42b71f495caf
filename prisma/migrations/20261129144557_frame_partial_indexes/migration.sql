-- DropIndex
DROP INDEX "frame_executions_video_id_error_fingerprint_idx";

-- DropIndex
DROP INDEX "frame_executions_status_lease_expires_at_idx";

-- CreateIndex
CREATE INDEX "frame_executions_video_id_error_fingerprint_idx" ON "frame_executions"("video_id", "error_fingerprint") WHERE (status = 'failed');

-- CreateIndex
CREATE INDEX "frame_executions_video_id_attempts_frame_index_idx" ON "frame_executions"("video_id", "attempts" DESC, "frame_index") WHERE (status = 'failed');

-- CreateIndex
CREATE INDEX "frame_executions_video_id_updated_at_frame_index_idx" ON "frame_executions"("video_id", "updated_at" DESC, "frame_index") WHERE (status = 'failed');

-- CreateIndex
CREATE INDEX "frame_executions_lease_expires_at_idx" ON "frame_executions"("lease_expires_at") WHERE (status = 'running');

-- CreateIndex
CREATE INDEX "frame_executions_retry_at_idx" ON "frame_executions"("retry_at") WHERE (status = 'pending' AND retry_at IS NOT NULL);
