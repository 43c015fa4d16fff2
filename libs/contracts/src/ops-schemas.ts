import { z } from "zod";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { text, timestamp } from "./scalars.ts";

/**
 * What every event-sourced service answers to the platform's own tools (the ops CLI): its read
 * models, its event store's migrations, its outbox and its consumers' dead letters.
 */

/** A global position in a service's event store: a decimal string (a bigint). */
const globalPosition = () => text().regex(/^\d{1,19}$/, "a global position is a whole number");
/** A JetStream stream sequence. */
const streamSequence = () => z.number().int().min(1);

export const ProjectionListSchema = z.object({
  items: z.array(z.object({ name: text() })),
});
export type ProjectionList = z.infer<typeof ProjectionListSchema>;

export const ProjectionRebuildRequestSchema = z.strictObject({ name: text().min(1).max(200) });

export const ProjectionRebuildResultSchema = z.object({
  name: text(),
  /** Events replayed into the emptied read model. */
  replayed: z.number().int().min(0),
  /** How long the rebuild took, in ms. */
  tookMs: z.number().int().min(0),
});
export type ProjectionRebuildResult = z.infer<typeof ProjectionRebuildResultSchema>;

export const EventsRepublishRequestSchema = z.strictObject({
  /** First global position to send again (inclusive). */
  fromPosition: globalPosition(),
});

export const EventsRepublishResultSchema = z.object({
  /** Stored events read from the position on; private ones (without a contract) are not sent. */
  read: z.number().int().min(0),
  /** Copies JetStream stored. */
  published: z.number().int().min(0),
});
export type EventsRepublishResult = z.infer<typeof EventsRepublishResultSchema>;

export const MigrationStateSchema = z.object({
  /** `eventstore` (the event store's own tables) or `service` (the read models). */
  set: z.enum(["eventstore", "service"]),
  name: text(),
  /** When it ran; null while pending. */
  executedAt: timestamp().nullable(),
});
export type MigrationState = z.infer<typeof MigrationStateSchema>;

export const MigrationListSchema = z.object({
  /** The service's Postgres schema. */
  schema: text(),
  items: z.array(MigrationStateSchema),
});
export type MigrationList = z.infer<typeof MigrationListSchema>;

export const DeadLetterSchema = z.object({
  /** The letter's sequence in the DLQ stream. */
  seq: streamSequence(),
  /** When it was dead-lettered. */
  deadLetteredAt: timestamp(),
  /** The consumer that gave up (`<service>--<purpose>`). */
  consumer: text(),
  /** Where the message came from: subject, stream and sequence there. */
  subject: text(),
  stream: text(),
  streamSequence: streamSequence(),
  deliveries: z.number().int().min(0),
  error: text(),
  /** Size of the message's data, in bytes. */
  size: z.number().int().min(0),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export const DeadLetterPageSchema = pageSchema(DeadLetterSchema);
export type DeadLetterPage = z.infer<typeof DeadLetterPageSchema>;

export const DeadLetterQuerySchema = PageQuerySchema;

export const DeadLetterSeqSchema = z.strictObject({ seq: streamSequence() });

export const DeadLetterDetailSchema = DeadLetterSchema.extend({
  /** The message's headers as it was delivered (the DLQ's own `x-dlq-*` left out). */
  headers: z.record(text(), z.array(text())),
  /** The message's data as UTF-8 text (at most 64 KiB of it). */
  data: text(),
  truncated: z.boolean(),
});
export type DeadLetterDetail = z.infer<typeof DeadLetterDetailSchema>;

export const DeadLetterReplaySchema = z.object({
  seq: streamSequence(),
  /** The subject the message was published to again. */
  subject: text(),
  /** Where its source stream stored the new copy. */
  stream: text(),
  streamSequence: streamSequence(),
});
export type DeadLetterReplay = z.infer<typeof DeadLetterReplaySchema>;
