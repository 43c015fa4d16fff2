import { z } from "zod";
import { defineJobType } from "./jobs-schemas.ts";

/** The ingestion service's sources: their operations and job types. */

/** The ingestion service pulls a connector source. */
export const ingestionSyncJob = defineJobType({
  name: "ingestion.sync",
  service: "ingestion",
  description: "Pulls new items from one connector source.",
  payload: z.strictObject({ projectId: z.uuid(), sourceId: z.uuid() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 5 },
});
