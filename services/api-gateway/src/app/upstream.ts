import type { Bus } from "@tessera/bus";
import {
  type MessageContext,
  type OperationDefinition,
  TesseraError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from "@tessera/contracts";
import type { z } from "zod";
import type { GatewayMetrics } from "./metrics.ts";

type Call = <Op extends OperationDefinition>(
  operation: Op,
  payload: z.input<Op["request"]>,
  ctx: MessageContext,
  timeoutMs?: number,
) => Promise<z.output<Op["response"]>>;

/** Request/reply to a service, timed per operation. */
export interface Upstream extends Call {
  /**
   * The same call for an operation that changes nothing: when no reply came (nobody took it, or
   * nobody answered in time) it is sent once more, so a replica that died holding it costs the caller
   * one time-out instead of the request (decision 0077). Writes never come here.
   */
  readonly read: Call;
}

/** Why a read was sent again, as the `reason` label of `gateway_upstream_retries_total`. */
function noReplyReason(error: unknown): "timeout" | "no_responders" | undefined {
  if (error instanceof UpstreamTimeoutError) return "timeout";
  if (error instanceof UpstreamUnavailableError) return "no_responders";
  return undefined;
}

export function createUpstream(deps: {
  bus: Pick<Bus, "request">;
  metrics: GatewayMetrics;
  timeoutMs: number;
}): Upstream {
  const call: Call = async (operation, payload, ctx, timeoutMs = deps.timeoutMs) => {
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
  const read: Call = async (operation, payload, ctx, timeoutMs) => {
    try {
      return await call(operation, payload, ctx, timeoutMs);
    } catch (error) {
      const reason = noReplyReason(error);
      if (reason === undefined) throw error;
      deps.metrics.upstreamRetry({ operation: operation.subject, reason });
      return call(operation, payload, ctx, timeoutMs);
    }
  };
  return Object.assign(call, { read });
}
