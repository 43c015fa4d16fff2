import * as contracts from "@tessera/contracts";
import {
  API_VERSION,
  type EventDefinition,
  EventEnvelopeSchema,
  JOB_RUN_REPORTS_SUBJECT,
  JobMessageSchema,
  JobRunReportSchema,
  type JobTypeDefinition,
  MessageContextSchema,
  OPS_SERVICES,
  type OperationDefinition,
  opsOperations,
  pingOperation,
  replySchema,
  SERVICES,
} from "@tessera/contracts";
import { z } from "zod";
import { schemaComponents } from "./json-schema.ts";

type JsonObject = Record<string, unknown>;

/** Every event, operation and job type the contracts define, found among their exports. */
export interface ContractCatalog {
  readonly events: readonly EventDefinition[];
  readonly operations: readonly OperationDefinition[];
  readonly jobs: readonly JobTypeDefinition[];
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null;
const isEvent = (value: unknown): value is EventDefinition =>
  isObject(value) &&
  typeof value.type === "string" &&
  typeof value.version === "number" &&
  typeof value.service === "string" &&
  value.data instanceof z.ZodType;
const isOperation = (value: unknown): value is OperationDefinition =>
  isObject(value) &&
  typeof value.subject === "string" &&
  value.subject.startsWith("svc.") &&
  value.request instanceof z.ZodType &&
  value.response instanceof z.ZodType;
const isJob = (value: unknown): value is JobTypeDefinition =>
  isObject(value) &&
  typeof value.subject === "string" &&
  value.subject.startsWith("job.") &&
  value.payload instanceof z.ZodType;

/**
 * The catalog read from `@tessera/contracts`' exports (single definitions and the lists that hold
 * them), plus each service's ping and ops operations: a definition added to the contracts is in the catalog without
 * a list to keep by hand.
 */
export function contractCatalog(): ContractCatalog {
  const values = Object.values(contracts).flatMap((value) => (Array.isArray(value) ? value : [value]));
  const unique = <T extends object>(found: T[], key: (item: T) => string) =>
    [...new Map(found.map((item) => [key(item), item])).values()].sort((a, b) =>
      key(a).localeCompare(key(b)),
    );
  return {
    events: unique(values.filter(isEvent), (event) => `${event.type}@${event.version}`),
    operations: unique(
      [
        ...values.filter(isOperation),
        ...SERVICES.map(pingOperation),
        ...OPS_SERVICES.flatMap((service) => Object.values(opsOperations(service))),
      ],
      (op) => op.subject,
    ),
    jobs: unique(values.filter(isJob), (job) => job.subject),
  };
}

/** `evt.auth.account.registered` → `evt-auth-account-registered` (AsyncAPI ids are `[A-Za-z0-9_-]`). */
const idOf = (subject: string) => subject.replaceAll(".", "-");
const ref = (path: string) => ({ $ref: path });

const HEADERS_SCHEMA = z.object({
  "x-request-id": MessageContextSchema.shape.requestId,
  traceparent: z.string().optional().describe("W3C trace context"),
  "x-actor": z.string().optional().describe("user id or `system:<service>`"),
  "x-project-id": z.string().optional(),
  "Nats-Msg-Id": z.string().optional().describe("the event id on events, `<runId>:<generation>` on jobs"),
});

/**
 * The AsyncAPI 3 document of the bus: every event subject (`evt.…`, published by its service from
 * its outbox), every request/reply operation (`svc.…`, answered by the service's queue group), every
 * job subject (`job.…`, worked by its service) and the dead-letter subjects, with zod-derived payload
 * schemas. Committed as `docs/asyncapi.json`; a test fails when that copy is stale.
 */
export function buildAsyncApiDocument(catalog: ContractCatalog = contractCatalog()): JsonObject {
  const schemas = schemaComponents("draft-7");
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};
  const headers = ref("#/components/schemas/Headers");

  const channel = (
    address: string | null,
    id: string,
    description: string,
    message: { name: string; payload: JsonObject; summary: string },
  ) => {
    messages[message.name] = {
      name: message.name,
      summary: message.summary,
      contentType: "application/json",
      headers,
      payload: message.payload,
    };
    channels[id] = {
      address,
      description,
      messages: { [message.name]: ref(`#/components/messages/${message.name}`) },
    };
    return { channel: ref(`#/channels/${id}`), message: ref(`#/channels/${id}/messages/${message.name}`) };
  };

  for (const event of catalog.events) {
    const subject = contracts.eventSubject(event.type);
    const name = `${idOf(event.type)}-v${event.version}`;
    const envelope = EventEnvelopeSchema.extend({
      type: z.literal(event.type),
      version: z.literal(event.version),
      data: event.data,
    });
    const { channel: to, message } = channel(
      subject,
      idOf(subject),
      `Domain event of \`${event.service}\`, on stream EVT_${event.service.toUpperCase().replaceAll("-", "_")}.`,
      {
        name,
        summary: `${event.type} (version ${event.version})`,
        payload: schemas.of(envelope, "output"),
      },
    );
    operations[`publish-${name}`] = {
      action: "send",
      channel: to,
      messages: [message],
      summary: `${event.service} publishes ${event.type} from its outbox`,
      tags: [{ name: event.service }],
    };
  }

  for (const operation of catalog.operations) {
    const id = idOf(operation.subject);
    const request = channel(
      operation.subject,
      id,
      `Request/reply operation of \`${operation.service}\` (queue group \`${operation.service}\`).`,
      {
        name: `${id}-request`,
        summary: `${operation.subject} request`,
        payload: schemas.of(operation.request, "input"),
      },
    );
    const reply = channel(null, `${id}-reply`, "The reply, sent to the requester's inbox.", {
      name: `${id}-reply`,
      summary: `${operation.subject} reply: { ok: true, data } or { ok: false, error }`,
      payload: schemas.of(replySchema(operation.response), "output"),
    });
    operations[`answer-${id}`] = {
      action: "receive",
      channel: request.channel,
      messages: [request.message],
      reply: { channel: reply.channel, messages: [reply.message] },
      summary: `${operation.service} answers ${operation.subject}`,
      tags: [{ name: operation.service }],
    };
  }

  for (const job of catalog.jobs) {
    const id = idOf(job.subject);
    const { channel: to, message } = channel(
      job.subject,
      id,
      `${job.description} (stream JOBS, work queue).`,
      {
        name: id,
        summary: `${job.subject}: a run of \`${job.name}\``,
        payload: schemas.of(
          JobMessageSchema.extend({ jobType: z.literal(job.name), payload: job.payload }),
          "output",
        ),
      },
    );
    operations[`work-${id}`] = {
      action: "receive",
      channel: to,
      messages: [message],
      summary: `${job.service}'s workers run ${job.name}`,
      tags: [{ name: job.service }],
    };
  }

  const reports = channel(
    JOB_RUN_REPORTS_SUBJECT,
    idOf(JOB_RUN_REPORTS_SUBJECT),
    "Workers report each attempt's progress; the job-scheduler records it.",
    {
      name: "job-run-report",
      summary: "A job attempt started, succeeded, failed or died",
      payload: schemas.of(JobRunReportSchema, "output"),
    },
  );
  operations["record-job-run-reports"] = {
    action: "receive",
    channel: reports.channel,
    messages: [reports.message],
    summary: "job-scheduler records run reports",
    tags: [{ name: "job-scheduler" }],
  };

  const letters = channel(
    "dlq.{service}.{consumer}",
    "dlq",
    "Dead letters: a message that exhausted its deliveries, copied with the error (stream DLQ).",
    {
      name: "dead-letter",
      summary: "The original message, its error in headers",
      payload: { description: "The original message's bytes, unchanged." },
    },
  );
  Object.assign(channels.dlq as JsonObject, {
    parameters: {
      service: { description: "The consuming service." },
      consumer: { description: "The consumer's purpose (its durable is `<service>--<consumer>`)." },
    },
  });
  operations["dead-letter"] = {
    action: "send",
    channel: letters.channel,
    messages: [letters.message],
    summary: "Any consumer dead-letters what it cannot handle",
  };

  return schemas.settle({
    asyncapi: "3.1.0",
    info: {
      title: "Tessera bus",
      version: API_VERSION,
      description:
        "Every subject on Tessera's NATS bus: domain events (`evt.<service>.<entity>.<event>`), request/reply operations (`svc.<service>.<operation>`), jobs (`job.<service>.<type>`) and dead letters, generated from `libs/contracts`. The subjects are prefixed by the deployment's bus namespace when one is set.",
      license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
    },
    defaultContentType: "application/json",
    servers: {
      local: {
        host: "127.0.0.1:4222",
        protocol: "nats",
        description: "NATS with JetStream, as `npm start` runs it",
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: { Headers: schemas.of(HEADERS_SCHEMA, "output"), ...Object.fromEntries(schemas.shared) },
    },
  });
}
