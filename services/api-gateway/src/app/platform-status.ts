import type { Bus } from "@tessera/bus";
import { type PlatformStatus, statusGet } from "@tessera/contracts";
import { type Readiness, requirePlatformAdmin } from "@tessera/service-kit";

/**
 * Answers `svc.api-gateway.status.get` (the route `GET /v1/admin/status`) and the gateway's ping, in
 * the gateway's queue group: any replica may answer the status, each asks the same services.
 */
export function servePlatformStatus(
  bus: Pick<Bus, "serve" | "servePing">,
  readiness: { own: Readiness; platform: Readiness },
): void {
  bus.serve(statusGet, async (_request, ctx): Promise<PlatformStatus> => {
    // The route's guard checked the caller already; an operation checks again itself.
    requirePlatformAdmin(ctx);
    const { ready, checks } = await readiness.platform.run();
    return { status: ready ? "ok" : "degraded", checks };
  });
  bus.servePing(async () => (await readiness.own.run()).ready);
}
