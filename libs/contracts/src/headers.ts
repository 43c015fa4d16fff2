import { z } from "zod";

/** Header names carried on every NATS message and HTTP response. */
export const HEADER = {
  requestId: "x-request-id",
  traceparent: "traceparent",
  actor: "x-actor",
  projectId: "x-project-id",
  roles: "x-roles",
  msgId: "Nats-Msg-Id",
  apiVersion: "x-api-version",
} as const;

/** A sane request id: at most 128 characters from a safe set. */
export const RequestIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/** W3C trace context `traceparent`. */
export const TraceparentSchema = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/** Who is asking, carried from the gateway through every hop. */
export const MessageContextSchema = z.object({
  requestId: RequestIdSchema,
  traceparent: TraceparentSchema.optional(),
  /** A user id, or `system:<service>` for the platform itself. */
  actor: z.string().max(128).optional(),
  projectId: z.uuid().optional(),
  roles: z.array(z.string().max(64)).max(32).optional(),
});
export type MessageContext = z.infer<typeof MessageContextSchema>;
