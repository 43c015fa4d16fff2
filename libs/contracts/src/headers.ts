import { z } from "zod";
import { ProjectRoleSchema } from "./roles.ts";
import { text } from "./scalars.ts";

/** Header names carried on every NATS message and HTTP response. */
export const HEADER = {
  requestId: "x-request-id",
  traceparent: "traceparent",
  actor: "x-actor",
  projectId: "x-project-id",
  roles: "x-roles",
  projectRole: "x-project-role",
  sessionId: "x-session-id",
  clientIp: "x-client-ip",
  msgId: "Nats-Msg-Id",
  apiVersion: "x-api-version",
} as const;

/** A sane request id: at most 128 characters from a safe set. */
export const RequestIdSchema = text().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/** W3C trace context `traceparent`. */
export const TraceparentSchema = text().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/** Who is asking, carried from the gateway through every hop. */
export const MessageContextSchema = z.object({
  requestId: RequestIdSchema,
  traceparent: TraceparentSchema.optional(),
  /** A user id, or `system:<service>` for the platform itself. */
  actor: text().max(128).optional(),
  projectId: z.uuid().optional(),
  /** The caller's platform roles (`admin`), as the gateway verified them. */
  roles: z.array(text().max(64)).max(32).optional(),
  /** The caller's role in `projectId`, set by the gateway after its membership check. */
  projectRole: ProjectRoleSchema.optional(),
  /** The session behind the caller's access token (its `sid` claim). */
  sessionId: z.uuid().optional(),
  /** The client's address as the gateway determined it (trusted proxies applied). */
  clientIp: z.union([z.ipv4(), z.ipv6()]).optional(),
});
export type MessageContext = z.infer<typeof MessageContextSchema>;
