-- AlterTable
ALTER TABLE "enhancer_state" DROP COLUMN "consecutive_failures",
ADD COLUMN     "fresh_waiting_at" TIMESTAMPTZ(3),
ADD COLUMN     "health_window" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "window_failures" INTEGER NOT NULL DEFAULT 0;
