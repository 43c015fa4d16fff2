import type { EventEnvelope, EventMetadata } from "@tessera/contracts";
import type { Selectable } from "kysely";
import type { EventsTable } from "./schema.ts";

/** The least an event is: a type (the subject without `evt.`) and its data. */
export interface EventLike {
  type: string;
  data: unknown;
}

/** An event to append. The store fills in the id unless the caller brings one. */
export type NewEvent<E extends EventLike = EventLike> = E & {
  /** Schema version of the event type. @default 1 */
  version?: number;
  /** @default randomUUID() */
  eventId?: string;
  /** Merged over the append's metadata. */
  metadata?: EventMetadata;
};

/** Where an event sits in the store, besides its type and data. */
export interface StoredEventPosition {
  eventId: string;
  version: number;
  streamId: string;
  streamVersion: number;
  /** A bigint as a decimal string: JSON and JavaScript numbers cannot hold every bigint. */
  globalPosition: string;
  /** When the store recorded it, ISO 8601. */
  occurredAt: string;
  metadata: EventMetadata;
}

/** A stored event; for a union `E` it stays a discriminated union on `type`. */
export type StoredEvent<E extends EventLike = EventLike> = E & StoredEventPosition;

/** What travels on JetStream for a stored event. */
export function toEnvelope(stored: StoredEvent): EventEnvelope {
  return {
    eventId: stored.eventId,
    type: stored.type,
    version: stored.version,
    streamId: stored.streamId,
    streamVersion: stored.streamVersion,
    globalPosition: stored.globalPosition,
    occurredAt: stored.occurredAt,
    data: stored.data,
    metadata: stored.metadata,
  };
}

export type EventRow = Pick<
  Selectable<EventsTable>,
  | "global_position"
  | "event_id"
  | "stream_id"
  | "stream_version"
  | "type"
  | "version"
  | "data"
  | "metadata"
  | "recorded_at"
>;

/**
 * The store keeps whatever the service appended; the service's own types say what that was
 * (validate with the contract's zod schema where the data crosses a trust boundary).
 */
export function storedFromRow<E extends EventLike = EventLike>(row: EventRow): StoredEvent<E> {
  const stored: StoredEvent = {
    eventId: row.event_id,
    type: row.type,
    version: row.version,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: String(row.global_position),
    occurredAt: row.recorded_at.toISOString(),
    data: row.data,
    metadata: row.metadata,
  };
  return stored as StoredEvent<E>;
}
