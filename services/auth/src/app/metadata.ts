import type { EventMetadata, MessageContext } from "@tessera/contracts";

/** What every event records about the request that caused it. */
export function eventMetadata(ctx: MessageContext, actor: string | undefined): EventMetadata {
  return {
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(actor ? { actor } : {}),
  };
}
