import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type KV, Kvm, type KvOptions } from "@nats-io/kv";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import {
  type EventEnvelope,
  eventSubject,
  type MessageContext,
  type OperationDefinition,
  pingOperation,
  type ServiceName,
} from "@tessera/contracts";
import type { z } from "zod";
import { type ConsumeOptions, type Consumption, startConsumer, watchedConsumer } from "./consume.ts";
import { type ConsumerLag, readConsumerLag, type WatchedConsumer } from "./consumer-lag.ts";
import { type DeadLetters, deadLetters } from "./dead-letters.ts";
import { BusUsageError } from "./errors.ts";
import { createInFlight } from "./in-flight.ts";
import { type BusInstruments, NO_BUS_INSTRUMENTS } from "./instruments.ts";
import type { BusLogger } from "./logger.ts";
import { type BusNames, busNames, DLQ_STREAM, isValidToken } from "./names.ts";
import { createPayloads } from "./offload.ts";
import { isCreationRace, type ProvisionOptions, provisionStreams, streamSpecs } from "./provision.ts";
import {
  createEventPublisher,
  type EventPublisher,
  type EventPublisherOptions,
  type PublishedCopy,
} from "./publisher.ts";
import { type RequestOptions, requestOperation } from "./request.ts";
import { type OperationHandler, type ServeOptions, serveOperation } from "./serve.ts";
import { tracedPublisher, tracedRequest } from "./tracing.ts";

export interface BusOptions {
  /** The service this process runs as: its queue group, its event stream, its consumers' prefix. */
  service: ServiceName;
  /** Prefix for every subject, stream, consumer and bucket. Tests only; empty in production. */
  namespace?: string;
  logger: BusLogger;
  /**
   * Copies JetStream keeps of every stream, KV bucket and object store this bus creates (1–5; a
   * cluster of at least as many servers; `NATS_STREAM_REPLICAS`). @default 1
   */
  streamReplicas?: number;
  /** Where operations, deliveries, dead letters and consumer lag are measured (`busInstruments`). @default none */
  instruments?: BusInstruments;
}

export interface Bus {
  readonly service: ServiceName;
  readonly names: BusNames;
  readonly nc: NatsConnection;
  /** Creates or updates `EVT_<SERVICE>`, `JOBS` and `DLQ`; safe to run from every replica at once. */
  provision(opts?: ProvisionOptions): Promise<void>;
  /** Answers one of this service's operations in the queue group `<service>`. */
  serve<Op extends OperationDefinition>(
    operation: Op,
    handler: OperationHandler<Op>,
    opts?: ServeOptions,
  ): void;
  /** Answers `svc.<service>.ping` with `{ service, ready }`; `ready` is false when the check fails. */
  servePing(readyCheck?: () => Promise<boolean>): void;
  request<Op extends OperationDefinition>(
    operation: Op,
    payload: z.input<Op["request"]>,
    ctx: MessageContext,
    opts?: RequestOptions,
  ): Promise<z.output<Op["response"]>>;
  eventPublisher(opts?: EventPublisherOptions): EventPublisher;
  /**
   * Deletes published copies from JetStream, overwriting their bytes, and any dead letter made of
   * them (erasure); a copy already gone (deleted, or aged out of the stream) is fine.
   */
  deletePublished(copies: readonly PublishedCopy[]): Promise<void>;
  /**
   * A durable pull consumer `<service>--<name>` of event envelopes, or of any JSON payload given a
   * `schema`; stopped by `drain()`.
   */
  consume<T = EventEnvelope>(opts: ConsumeOptions<T>): Promise<Consumption>;
  /** This service's own dead letters: list, show, replay (the ops CLI, through `svc.<service>.ops.*`). */
  readonly deadLetters: DeadLetters;
  /** How far each consumer this bus started is behind, read from JetStream now. */
  consumerLag(): Promise<ConsumerLag[]>;
  /** Opens the namespaced KV bucket, creating it if needed. */
  kv(bucket: string, opts?: Partial<KvOptions>): Promise<KV>;
  /** Stops taking requests and events, then waits for running handlers. The connection stays open. */
  drain(): Promise<void>;
  /** `drain()`, then drains and closes the connection. */
  close(): Promise<void>;
}

export function createBus(nc: NatsConnection, opts: BusOptions): Bus {
  const { service, logger } = opts;
  const replicas = opts.streamReplicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw new BusUsageError(`streamReplicas must be an integer from 1 to 5, not ${replicas}`);
  }
  const names = busNames(opts.namespace ?? "");
  const js = jetstream(nc);
  let manager: Promise<JetStreamManager> | undefined;
  const jsm = () => {
    // Not a failure kept forever: JetStream may answer later (a cluster still electing its leader).
    manager ??= jetstreamManager(nc).catch((error: unknown) => {
      manager = undefined;
      throw error;
    });
    return manager;
  };
  const inFlight = createInFlight();
  const instruments = opts.instruments ?? NO_BUS_INSTRUMENTS;
  const payloads = createPayloads({ nc, js, names, logger, replicas });
  const watched: WatchedConsumer[] = [];
  const subscriptions: Subscription[] = [];
  const consumptions: Consumption[] = [];
  let draining: Promise<void> | undefined;

  const refuseWhenDraining = (what: string) => {
    if (draining !== undefined) throw new BusUsageError(`cannot ${what}: the bus is draining`);
  };

  const bus: Bus = {
    service,
    names,
    nc,
    async provision(provisionOpts) {
      await provisionStreams(await jsm(), streamSpecs(service, names, { replicas, ...provisionOpts }));
      logger.info({ namespace: names.namespace }, "streams provisioned");
    },
    serve(operation, handler, serveOpts) {
      refuseWhenDraining(`serve ${operation.subject}`);
      if (operation.service !== service) {
        throw new BusUsageError(
          `${service} cannot serve ${operation.subject}, which belongs to ${operation.service}`,
        );
      }
      subscriptions.push(
        serveOperation(
          { nc, names, service, logger, inFlight, payloads, instruments },
          operation,
          handler,
          serveOpts,
        ),
      );
    },
    servePing(readyCheck) {
      bus.serve(pingOperation(service), async () => ({ service, ready: await isReady(readyCheck) }));
    },
    request: (operation, payload, ctx, requestOpts) =>
      tracedRequest(operation, ctx, (traced) =>
        requestOperation({ nc, names, payloads }, operation, payload, traced, requestOpts),
      ),
    eventPublisher: (publisherOpts) =>
      tracedPublisher(createEventPublisher(js, names, publisherOpts), eventSubject),
    async deletePublished(copies) {
      const manager = await jsm();
      for (const copy of copies) {
        try {
          await manager.streams.deleteMessage(copy.stream, copy.seq, true);
        } catch (error) {
          // The server reports a failed delete with one code whatever the reason: look whether it is gone.
          if (!(await isGone(manager, copy))) throw error;
        }
        await manager.streams
          .purge(names.stream(DLQ_STREAM), { filter: names.subject(`dlq.*.*.${copy.stream}.${copy.seq}`) })
          .catch((error: unknown) => {
            if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
              throw error;
          });
      }
    },
    async consume(consumeOpts) {
      refuseWhenDraining(`consume ${consumeOpts.name}`);
      const deps = { js, jsm: await jsm(), names, service, logger, instruments };
      const consumption = await startConsumer(deps, consumeOpts);
      consumptions.push(consumption);
      watched.push(watchedConsumer(deps, consumeOpts));
      return consumption;
    },
    deadLetters: deadLetters({ js, jsm, names, service }),
    consumerLag: async () => readConsumerLag(await jsm(), watched, logger),
    async kv(bucket, kvOpts) {
      if (!isValidToken(bucket)) throw new BusUsageError(`KV bucket name "${bucket}" is not a valid token`);
      const kvm = new Kvm(js);
      const options = { replicas, ...kvOpts };
      try {
        return await kvm.create(names.kvBucket(bucket), options);
      } catch (error) {
        // Replicas creating the bucket at once: the loser's stream add fails; the bucket is there now.
        if (!isCreationRace(error)) throw error;
        return kvm.create(names.kvBucket(bucket), options);
      }
    },
    drain() {
      draining ??= (async () => {
        await Promise.all(subscriptions.map((subscription) => subscription.drain()));
        await Promise.all(consumptions.map((consumption) => consumption.stop()));
        await inFlight.settled();
      })();
      return draining;
    },
    async close() {
      await bus.drain();
      if (!nc.isClosed()) await nc.drain();
    },
  };
  return bus;
}

async function isReady(readyCheck: (() => Promise<boolean>) | undefined): Promise<boolean> {
  if (!readyCheck) return true;
  try {
    return await readyCheck();
  } catch {
    return false;
  }
}

/** The stream no longer holds that copy: deleted already, aged out, or the stream is gone. */
async function isGone(manager: JetStreamManager, copy: PublishedCopy): Promise<boolean> {
  try {
    return (await manager.streams.getMessage(copy.stream, { seq: copy.seq })) === null;
  } catch (error) {
    return (
      error instanceof JetStreamApiError &&
      (error.code === JetStreamApiCodes.NoMessageFound || error.code === JetStreamApiCodes.StreamNotFound)
    );
  }
}
