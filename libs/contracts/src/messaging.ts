import { z } from "zod";
import { type RemoteProblem, RemoteProblemSchema } from "./errors.ts";
import { oncePerSchema } from "./per-schema.ts";
import { text, timestamp } from "./scalars.ts";

export const SERVICES = [
  "api-gateway",
  "auth",
  "user",
  "memory",
  "ingestion",
  "outbound",
  "job-scheduler",
] as const;
export const ServiceNameSchema = z.enum(SERVICES);
export type ServiceName = z.infer<typeof ServiceNameSchema>;

/** The reply to every request/reply operation. */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: RemoteProblem };

function buildReplySchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: RemoteProblemSchema }),
  ]);
}

const cachedReplySchema = oncePerSchema(buildReplySchema);

/**
 * The reply envelope's schema for an operation's response, built once per response schema: callers
 * parse every reply with it, and building a zod schema (and compiling its parser) per call is costly.
 */
export function replySchema<T extends z.ZodType>(data: T): ReturnType<typeof buildReplySchema<T>> {
  return cachedReplySchema(data) as ReturnType<typeof buildReplySchema<T>>;
}

export interface OperationDefinition<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly service: ServiceName;
  readonly name: string;
  /** `svc.<service>.<name>` */
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}

export function defineOperation<Req extends z.ZodType, Res extends z.ZodType>(definition: {
  service: ServiceName;
  name: string;
  request: Req;
  response: Res;
}): OperationDefinition<Req, Res> {
  return Object.freeze({ ...definition, subject: `svc.${definition.service}.${definition.name}` });
}

export interface EventDefinition<Data extends z.ZodType = z.ZodType> {
  /** `<service>.<entity>.<event>`; the subject is `evt.` + type. */
  readonly type: string;
  readonly version: number;
  readonly service: ServiceName;
  readonly data: Data;
}

export function defineEvent<Data extends z.ZodType>(definition: {
  type: string;
  version: number;
  data: Data;
}): EventDefinition<Data> {
  const service = ServiceNameSchema.parse(definition.type.split(".")[0]);
  return Object.freeze({ ...definition, service });
}

export function eventSubject(type: string): string {
  return `evt.${type}`;
}

/** The metadata stored with every event and carried on the wire. */
export const EventMetadataSchema = z
  .object({
    requestId: text().optional(),
    traceparent: text().optional(),
    actor: text().optional(),
    projectId: text().optional(),
  })
  .catchall(z.unknown());
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

/** What travels on JetStream for every domain event. */
export const EventEnvelopeSchema = z.object({
  eventId: z.uuid(),
  type: text().min(1),
  version: z.number().int().positive(),
  streamId: text().min(1),
  streamVersion: z.number().int().positive(),
  globalPosition: text().regex(/^\d+$/),
  occurredAt: timestamp(),
  data: z.unknown(),
  metadata: EventMetadataSchema,
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/** Every service answers `svc.<service>.ping`; the gateway's readiness asks them all. */
export function pingOperation(service: ServiceName) {
  return defineOperation({
    service,
    name: "ping",
    request: z.object({}).strict(),
    response: z.object({ service: ServiceNameSchema, ready: z.boolean() }),
  });
}
