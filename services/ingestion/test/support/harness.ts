import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus, eventStreamName } from "@tessera/bus";
import {
  type Document,
  documentsGet,
  type EventEnvelope,
  EventEnvelopeSchema,
  type MessageContext,
  type ProjectRole,
  type ServiceName,
} from "@tessera/contracts";
import type { RunningService } from "@tessera/service-kit";
import {
  eventually,
  type InProcessService,
  startInProcess,
  TEST_NATS_URL,
  testNamespace,
} from "@tessera/testing";
import { ingestionConfigSchema } from "../../src/config.ts";
import type { DocumentsDb } from "../../src/infra/documents.tables.ts";
import { type IngestionServiceHooks, startIngestionService } from "../../src/service.ts";

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** Small chunks and a quick poll, so short test documents make several chunks and move fast. */
export const TEST_DOCUMENT_ENV = {
  DOCUMENT_CHUNK_SIZE: "200",
  DOCUMENT_CHUNK_OVERLAP: "20",
  DOCUMENT_WORKER_POLL_MS: "50",
};

export interface IngestionHarness {
  service: InProcessService<RunningService<DocumentsDb>>;
  hooks: IngestionServiceHooks;
  nc: NatsConnection;
  namespace: string;
  /** The gateway's side of the bus. */
  caller: Bus;
  stop(): Promise<void>;
}

/** The ingestion service in-process, with the `memory` stream it consumes provisioned first. */
export async function startIngestionHarness(
  options: { env?: Record<string, string>; namespace?: string } = {},
): Promise<IngestionHarness> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const namespace = options.namespace ?? testNamespace("documents");
  await createBus(nc, { service: "memory", namespace, logger: silent }).provision();
  const hooks: IngestionServiceHooks = {};
  const service = await startInProcess({
    configSchema: ingestionConfigSchema,
    start: (config) => startIngestionService(config, hooks),
    namespace,
    env: { ...TEST_DOCUMENT_ENV, ...options.env },
  });
  return {
    service,
    hooks,
    nc,
    namespace,
    caller: createBus(nc, { service: "api-gateway", namespace, logger: silent }),
    async stop() {
      await service.stop();
      await nc.close();
    },
  };
}

/** What the gateway sends after the access check: a member (by default) of the project. */
export function ctxFor(
  projectId: string,
  projectRole: ProjectRole = "member",
  actor = randomUUID(),
): MessageContext {
  return { requestId: `req-${randomUUID()}`, actor, projectId, projectRole };
}

export { eventually };

/** The document once `done` says so. */
export function documentWhen(
  harness: Pick<IngestionHarness, "caller">,
  projectId: string,
  documentId: string,
  done: (document: Document) => boolean,
  timeoutMs = 60_000,
): Promise<Document> {
  return eventually(
    async () => {
      const document = await harness.caller.request(
        documentsGet,
        { projectId, documentId },
        ctxFor(projectId),
      );
      return done(document) ? document : undefined;
    },
    { timeoutMs, what: `document ${documentId}` },
  );
}

export interface PublishedEvent {
  envelope: EventEnvelope;
  /** Size of the message on the bus, in bytes. */
  bytes: number;
}

/** Every event on `subject` (without namespace) published to a service's stream so far. */
export async function publishedEvents(
  harness: Pick<IngestionHarness, "nc" | "namespace">,
  subject: string,
  stream: ServiceName = "ingestion",
): Promise<PublishedEvent[]> {
  const names = busNames(harness.namespace);
  const consumer = await jetstream(harness.nc).consumers.get(names.stream(eventStreamName(stream)), {
    filter_subjects: names.subject(subject),
  });
  const events: PublishedEvent[] = [];
  for (let pending = (await consumer.info()).num_pending; pending > 0; ) {
    const batch = await consumer.fetch({ max_messages: Math.min(pending, 1_000), expires: 5_000 });
    for await (const message of batch) {
      pending -= 1;
      events.push({ envelope: EventEnvelopeSchema.parse(message.json()), bytes: message.data.length });
    }
  }
  await consumer.delete();
  return events;
}

/** Publishes an event on the bus as its producer's relay would. */
export async function publishEvent(
  harness: Pick<IngestionHarness, "nc" | "namespace">,
  type: string,
  data: unknown,
): Promise<EventEnvelope> {
  const envelope: EventEnvelope = {
    eventId: randomUUID(),
    type,
    version: 1,
    streamId: `test-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data,
    metadata: { requestId: `req-${randomUUID()}` },
  };
  const subject = busNames(harness.namespace).subject(`evt.${type}`);
  await jetstream(harness.nc).publish(subject, JSON.stringify(envelope), { msgID: envelope.eventId });
  return envelope;
}
