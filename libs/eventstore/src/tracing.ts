import { SpanKind, trace } from "@opentelemetry/api";
import type { EventMetadata } from "@tessera/contracts";
import { activeTraceparent, contextOfTraceparent, inSpan, parentContext } from "@tessera/contracts";
import type { EventLike, StoredEvent } from "./events.ts";

/**
 * Spans for the event store's own work, with `@opentelemetry/api` only (no-ops without an SDK).
 * An append records its span's `traceparent` in the events' metadata, so the relay that publishes
 * them later, and the projections that apply them, continue the trace of the request that appended.
 */
const tracer = trace.getTracer("@tessera/eventstore");

const ATTR = {
  schema: "tessera.eventstore.schema",
  stream: "tessera.eventstore.stream_id",
  eventCount: "tessera.eventstore.event_count",
  eventType: "tessera.eventstore.event_type",
  eventId: "tessera.eventstore.event_id",
  projection: "tessera.eventstore.projection",
} as const;

/** The span of one append; `write` gets the metadata with the span's `traceparent`. */
export function tracedAppend<T>(
  schema: string,
  streamId: string,
  count: number,
  metadata: EventMetadata | undefined,
  write: (metadata: EventMetadata) => Promise<T>,
): Promise<T> {
  return inSpan(
    tracer,
    `append ${schema}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: { [ATTR.schema]: schema, [ATTR.stream]: streamId, [ATTR.eventCount]: count },
      parent: parentContext(metadata?.traceparent),
    },
    () => {
      const traceparent = activeTraceparent();
      return write(traceparent ? { ...metadata, traceparent } : (metadata ?? {}));
    },
  );
}

/** The span of one event in a catch-up processor (the relay, a projection), child of its append. */
export function tracedEvent<T>(
  spanName: string,
  schema: string,
  event: StoredEvent<EventLike>,
  work: () => Promise<T>,
  attributes: Record<string, string> = {},
): Promise<T> {
  return inSpan(
    tracer,
    spanName,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR.schema]: schema,
        [ATTR.eventType]: event.type,
        [ATTR.eventId]: event.eventId,
        ...attributes,
      },
      parent: contextOfTraceparent(event.metadata.traceparent),
    },
    work,
  );
}

/** Attributes naming the projection of a projection's event span. */
export function projectionAttributes(projection: string): Record<string, string> {
  return { [ATTR.projection]: projection };
}

/** Notes on the active span (a consumer's delivery) that the event had been handled before. */
export function markDuplicate(): void {
  trace.getActiveSpan()?.setAttribute("tessera.consumer.duplicate", true);
}
