import { randomUUID } from "node:crypto";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/nats-core";
import { type EventEnvelope, HEADER, type MessageContext, MessageContextSchema } from "@tessera/contracts";

const fields = MessageContextSchema.shape;

function valid<T>(schema: { safeParse(value: unknown): { success: boolean; data?: T } }, value: unknown) {
  if (value === undefined || value === "") return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function header(hdrs: MsgHdrs | undefined, name: string): string | undefined {
  const value = hdrs?.get(name);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Builds the context of an incoming message from its headers. Values that are malformed are dropped
 * rather than trusted; a missing or malformed request id is replaced by a fresh one.
 */
export function contextFromHeaders(hdrs: MsgHdrs | undefined): MessageContext {
  const roles = header(hdrs, HEADER.roles)
    ?.split(",")
    .map((role) => role.trim())
    .filter((role) => role !== "");
  return compact({
    requestId: valid(fields.requestId, header(hdrs, HEADER.requestId)) ?? randomUUID(),
    traceparent: valid(fields.traceparent, header(hdrs, HEADER.traceparent)),
    actor: valid(fields.actor, header(hdrs, HEADER.actor)),
    projectId: valid(fields.projectId, header(hdrs, HEADER.projectId)),
    roles: valid(fields.roles, roles),
    projectRole: valid(fields.projectRole, header(hdrs, HEADER.projectRole)),
    sessionId: valid(fields.sessionId, header(hdrs, HEADER.sessionId)),
    clientIp: valid(fields.clientIp, header(hdrs, HEADER.clientIp)),
  });
}

/** The context of a consumed event: its metadata first, the message headers as a fallback. */
export function contextFromEnvelope(envelope: EventEnvelope, hdrs: MsgHdrs | undefined): MessageContext {
  const fromHeaders = contextFromHeaders(hdrs);
  const meta = envelope.metadata;
  return compact({
    requestId: valid(fields.requestId, meta.requestId) ?? fromHeaders.requestId,
    traceparent: valid(fields.traceparent, meta.traceparent) ?? fromHeaders.traceparent,
    actor: valid(fields.actor, meta.actor) ?? fromHeaders.actor,
    projectId: valid(fields.projectId, meta.projectId) ?? fromHeaders.projectId,
  });
}

/** NATS headers carrying a context to the next hop. */
export function headersFromContext(ctx: Partial<MessageContext>, hdrs: MsgHdrs = natsHeaders()): MsgHdrs {
  if (ctx.requestId) hdrs.set(HEADER.requestId, ctx.requestId);
  if (ctx.traceparent) hdrs.set(HEADER.traceparent, ctx.traceparent);
  if (ctx.actor) hdrs.set(HEADER.actor, ctx.actor);
  if (ctx.projectId) hdrs.set(HEADER.projectId, ctx.projectId);
  if (ctx.roles && ctx.roles.length > 0) hdrs.set(HEADER.roles, ctx.roles.join(","));
  if (ctx.projectRole) hdrs.set(HEADER.projectRole, ctx.projectRole);
  if (ctx.sessionId) hdrs.set(HEADER.sessionId, ctx.sessionId);
  if (ctx.clientIp) hdrs.set(HEADER.clientIp, ctx.clientIp);
  return hdrs;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
