import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { BusUsageError, ProvisionError } from "./errors.ts";
import { createInFlight, type InFlight } from "./in-flight.ts";
import type { BusLogger } from "./logger.ts";

export interface PullConsumerOptions {
  /** The stream as named on the wire (namespace applied). */
  stream: string;
  /** The durable as named on the wire; it is created, or updated to these settings. */
  durable: string;
  /** Subjects as named on the wire. More than one needs NATS 2.10. */
  filterSubjects: readonly string[];
  /** How long the server waits for an ack before redelivering, in ms; a running handler heartbeats every third of it. */
  ackWaitMs: number;
  /**
   * Deliveries the handler expects at most; the server makes one more, so a message whose copy to
   * the DLQ failed on its last delivery comes back once more to be dead-lettered.
   */
  maxDeliver: number;
  /** Messages handled at once, and fetched ahead. */
  concurrency: number;
  /** Takes one delivery to its end (ack, nak, dead letter); a rejection is logged, the message left to its ack wait. */
  handle: (msg: JsMsg) => Promise<void>;
}

export interface PullConsumer {
  /**
   * Stops fetching and naks what was fetched but not started, at once, so another replica takes it.
   * Running handlers go on.
   */
  stopFetching(): Promise<void>;
  /** Resolves true once no handler runs, or false when `timeoutMs` passes first. */
  settled(timeoutMs?: number): Promise<boolean>;
  /** `stopFetching()`, then waits for running handlers. */
  stop(): Promise<void>;
}

export interface PullConsumerDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: BusLogger;
}

/**
 * The one pull-consume loop of every JetStream consumer: provisions the durable (explicit ack),
 * then hands each message to `handle`, at most `concurrency` at once.
 */
export async function startPullConsumer(
  deps: PullConsumerDeps,
  opts: PullConsumerOptions,
): Promise<PullConsumer> {
  const { concurrency } = opts;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new BusUsageError("concurrency must be at least 1");
  await ensureConsumer(deps.jsm, opts.stream, durableConfig(opts));
  const consumer = await deps.js.consumers.get(opts.stream, opts.durable);
  const messages = await consumer.consume({ max_messages: concurrency });
  const log = { consumer: opts.durable };
  const inFlight = createInFlight();
  let stopping = false;
  // Wakes the loop while it waits for a free slot, so a stop is not held up by busy handlers.
  let wake = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    wake = resolve;
  });

  const run = withHeartbeat(deps.logger, opts);
  const loop = (async () => {
    for await (const msg of messages) {
      await Promise.race([inFlight.belowLimit(concurrency), stopRequested]);
      if (stopping) {
        msg.nak();
        continue;
      }
      void inFlight.track(run(msg));
    }
  })().catch((err: unknown) => deps.logger.error({ ...log, err }, "consumer stopped unexpectedly"));

  let stopped: Promise<void> | undefined;
  const stopFetching = () => {
    stopped ??= (async () => {
      stopping = true;
      wake();
      // The iterator yields what it had fetched (the loop naks it), then ends.
      await messages.close();
      await loop;
    })();
    return stopped;
  };
  return {
    stopFetching,
    settled: (timeoutMs) => settledWithin(inFlight, timeoutMs),
    async stop() {
      await stopFetching();
      await inFlight.settled();
    },
  };
}

/** Runs `handle`, heartbeating meanwhile so a slow handler's message is not redelivered to another replica. */
function withHeartbeat(logger: BusLogger, opts: PullConsumerOptions): (msg: JsMsg) => Promise<void> {
  const heartbeatMs = Math.max(Math.floor(opts.ackWaitMs / 3), 200);
  return async (msg) => {
    const heartbeat = setInterval(() => msg.working(), heartbeatMs);
    try {
      await opts.handle(msg);
    } catch (err) {
      logger.error({ consumer: opts.durable, err, seq: msg.info.streamSequence }, "message handler crashed");
    } finally {
      clearInterval(heartbeat);
    }
  };
}

async function settledWithin(inFlight: InFlight, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const settled = await Promise.race([inFlight.settled().then(() => true), timedOut]);
  clearTimeout(timer);
  return settled;
}

type DurableConfig = Partial<ConsumerConfig> & { durable_name: string };

function durableConfig(opts: PullConsumerOptions): DurableConfig {
  const filters = opts.filterSubjects;
  if (filters.length === 0) throw new BusUsageError("a consumer needs at least one filter subject");
  if (!Number.isInteger(opts.maxDeliver) || opts.maxDeliver < 1)
    throw new BusUsageError("maxDeliver must be at least 1");
  return {
    durable_name: opts.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver + 1,
    ...(filters.length === 1 ? { filter_subject: filters[0] } : { filter_subjects: [...filters] }),
  };
}

/** Creates the durable, or updates it when it exists with another configuration; many replicas may race. */
async function ensureConsumer(jsm: JetStreamManager, stream: string, config: DurableConfig): Promise<void> {
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError))
      throw new ProvisionError(`consumer ${config.durable_name}`, { cause: err });
    try {
      await jsm.consumers.update(stream, config.durable_name, config);
    } catch (cause) {
      throw new ProvisionError(`consumer ${config.durable_name} on ${stream}`, { cause });
    }
  }
}
