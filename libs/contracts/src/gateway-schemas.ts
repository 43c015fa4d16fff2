import { z } from "zod";
import { SERVICES, type ServiceName } from "./messaging.ts";
import { text } from "./scalars.ts";

/** The services behind the gateway; `GET /v1/admin/status` pings each of them. */
export const PLATFORM_SERVICES: readonly Exclude<ServiceName, "api-gateway">[] = SERVICES.filter(
  (service): service is Exclude<ServiceName, "api-gateway"> => service !== "api-gateway",
);

/** The value of `x-api-version` on every gateway response. */
export const API_VERSION = "1";

export const HealthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

export const ReadinessCheckSchema = z.object({ ok: z.boolean(), detail: text().optional() });
export type ReadinessCheck = z.infer<typeof ReadinessCheckSchema>;

/**
 * `/ready` (the gateway's own NATS and Redis) and every ops port's `/readyz`: 200 with `status: "ok"`
 * when every check passed, 503 with `status: "unavailable"` otherwise.
 */
export const ReadinessSchema = z
  .object({
    status: z.enum(["ok", "unavailable"]),
    checks: z.record(text(), ReadinessCheckSchema),
  })
  .meta({ id: "Readiness" });
export type Readiness = z.infer<typeof ReadinessSchema>;

/**
 * `GET /v1/admin/status`: the answering gateway's NATS and Redis and every service's ping, each with
 * what failed; `degraded` when any check failed. Always 200: it describes, it is no probe.
 */
export const PlatformStatusSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.record(text(), ReadinessCheckSchema),
  })
  .meta({ id: "PlatformStatus" });
export type PlatformStatus = z.infer<typeof PlatformStatusSchema>;
