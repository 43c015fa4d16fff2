import { z } from "zod";
import { defineOperation, type ServiceName } from "./messaging.ts";
import {
  DeadLetterDetailSchema,
  DeadLetterPageSchema,
  DeadLetterQuerySchema,
  DeadLetterReplaySchema,
  DeadLetterSeqSchema,
  EventsRepublishRequestSchema,
  EventsRepublishResultSchema,
  MigrationListSchema,
  ProjectionListSchema,
  ProjectionRebuildRequestSchema,
  ProjectionRebuildResultSchema,
} from "./ops-schemas.ts";

/**
 * The operations every event-sourced service serves for the platform's own tools, under
 * `svc.<service>.ops.*` (served by service-kit's runtime; only a `system:` actor may call them, and
 * in production only the `operator` NATS user may publish there: decision 0073). Like `ping`, they
 * exist once per service, so they are built per service rather than exported one by one.
 */
export function opsOperations(service: ServiceName) {
  return {
    projectionsList: defineOperation({
      service,
      name: "ops.projections.list",
      request: z.strictObject({}),
      response: ProjectionListSchema,
    }),
    projectionsRebuild: defineOperation({
      service,
      name: "ops.projections.rebuild",
      request: ProjectionRebuildRequestSchema,
      response: ProjectionRebuildResultSchema,
    }),
    eventsRepublish: defineOperation({
      service,
      name: "ops.events.republish",
      request: EventsRepublishRequestSchema,
      response: EventsRepublishResultSchema,
    }),
    migrationsList: defineOperation({
      service,
      name: "ops.migrations.list",
      request: z.strictObject({}),
      response: MigrationListSchema,
    }),
    deadLettersList: defineOperation({
      service,
      name: "ops.dead-letters.list",
      request: DeadLetterQuerySchema,
      response: DeadLetterPageSchema,
    }),
    deadLettersGet: defineOperation({
      service,
      name: "ops.dead-letters.get",
      request: DeadLetterSeqSchema,
      response: DeadLetterDetailSchema,
    }),
    deadLettersReplay: defineOperation({
      service,
      name: "ops.dead-letters.replay",
      request: DeadLetterSeqSchema,
      response: DeadLetterReplaySchema,
    }),
  } as const;
}
export type OpsOperations = ReturnType<typeof opsOperations>;

/** The services that run on service-kit's runtime and so answer `svc.<service>.ops.*`. */
export const OPS_SERVICES = [
  "auth",
  "user",
  "memory",
  "ingestion",
  "outbound",
  "job-scheduler",
] as const satisfies readonly ServiceName[];
export type OpsServiceName = (typeof OPS_SERVICES)[number];
