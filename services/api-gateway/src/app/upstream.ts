import type { Bus } from "@tessera/bus";
import { type MessageContext, type OperationDefinition, TesseraError } from "@tessera/contracts";
import type { z } from "zod";
import type { GatewayMetrics } from "./metrics.ts";

/** Request/reply to a service, timed per operation. */
export type Upstream = <Op extends OperationDefinition>(
  operation: Op,
  payload: z.input<Op["request"]>,
  ctx: MessageContext,
  timeoutMs?: number,
) => Promise<z.output<Op["response"]>>;

export function createUpstream(deps: {
  bus: Pick<Bus, "request">;
  metrics: GatewayMetrics;
  timeoutMs: number;
}): Upstream {
  return async (operation, payload, ctx, timeoutMs = deps.timeoutMs) => {
    const started = performance.now();
    let outcome = "ok";
    try {
      return await deps.bus.request(operation, payload, ctx, { timeoutMs });
    } catch (error) {
      outcome = error instanceof TesseraError ? error.code : "error";
      throw error;
    } finally {
      deps.metrics.observeUpstream(
        { operation: operation.subject, outcome },
        (performance.now() - started) / 1_000,
      );
    }
  };
}
