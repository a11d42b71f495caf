-- AlterTable
ALTER TABLE "frame_executions" ADD COLUMN     "result_pack" TEXT;
