import type { Bus } from "@tessera/bus";
import { PLATFORM_SERVICES, pingOperation, TesseraError } from "@tessera/contracts";
import { createReadiness, type Readiness } from "@tessera/service-kit";
import type { Redis } from "ioredis";
import type { Upstream } from "./upstream.ts";

/** How long each dependency may take to answer `/ready`, in ms. @default 1_000 */
export const READINESS_TIMEOUT_MS = 1_000;

/** A failed check as the public `/ready` shows it: what failed, never hosts or driver internals. */
class CheckFailed extends Error {
  override name = "CheckFailed";
}

async function describedAs<T>(what: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw new CheckFailed(error instanceof TesseraError ? error.message : what, { cause: error });
  }
}

export interface GatewayReadinessDeps {
  nats: Pick<Bus["nc"], "flush">;
  redis: Pick<Redis, "ping">;
}

/**
 * The gateway's own readiness (`/ready`, `/readyz`): NATS answers a flush and Redis a PING, each
 * within a second. The services are not asked: one failed service must not take every gateway
 * replica, and so the whole API, out of rotation (decision 0068).
 */
export function gatewayReadiness(deps: GatewayReadinessDeps): Readiness {
  const readiness = createReadiness({ checkTimeoutMs: READINESS_TIMEOUT_MS });
  readiness.add({ name: "nats", check: () => describedAs("NATS did not answer", () => deps.nats.flush()) });
  readiness.add({
    name: "redis",
    check: async () => {
      await describedAs("Redis did not answer PING", () => deps.redis.ping());
    },
  });
  return readiness;
}

/** The gateway's own checks and every service's ping: what `GET /v1/admin/status` reports. */
export function platformReadiness(deps: GatewayReadinessDeps & { upstream: Upstream }): Readiness {
  const readiness = gatewayReadiness(deps);
  for (const service of PLATFORM_SERVICES) {
    readiness.add({
      name: service,
      check: async () => {
        const ctx = { requestId: `status-${service}-${Date.now()}` };
        const { ready } = await describedAs(`${service} did not answer its ping`, () =>
          deps.upstream(pingOperation(service), {}, ctx, READINESS_TIMEOUT_MS),
        );
        if (!ready) throw new CheckFailed(`${service} answered that it is not ready`);
      },
    });
  }
  return readiness;
}
