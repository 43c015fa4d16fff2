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
import {
  type EventEnvelope,
  EventEnvelopeSchema,
  type MessageContext,
  type ServiceName,
  TesseraError,
} from "@tessera/contracts";
import { z } from "zod";
import { contextFromEnvelope } from "./context.ts";
import { deadLetter, describeError } from "./dead-letter.ts";
import { BusUsageError, ProvisionError } from "./errors.ts";
import { createInFlight } from "./in-flight.ts";
import type { BusLogger } from "./logger.ts";
import { type BusNames, deadLetterSubject, isValidToken, JOBS_STREAM } from "./names.ts";

/** Handles one event; throwing retries with backoff, except a `ZodError` or `validation.failed`, dead-lettered at once. */
export type EventHandler = (envelope: EventEnvelope, ctx: MessageContext, msg: JsMsg) => Promise<void>;

export interface ConsumeOptions {
  /** The consumer's purpose; the durable is `<service>--<name>`, dead letters go to `dlq.<service>.<name>`. */
  name: string;
  /** Whose event stream to read (a service name), or `"JOBS"`. */
  stream: ServiceName | typeof JOBS_STREAM;
  /** Subjects without namespace, e.g. `["evt.auth.account.registered"]`. More than one needs NATS 2.10. */
  filterSubjects: string[];
  handler: EventHandler;
  /** Deliveries before a failing message is dead-lettered. @default 5 */
  maxDeliver?: number;
  /** Delay before redelivering after the n-th failure, in ms; the last value repeats. @default [1_000, 5_000, 15_000] */
  backoffMs?: number[];
  /** How long the server waits for an ack before redelivering, in ms. @default 30_000 */
  ackWaitMs?: number;
  /** Handlers running at once; 1 keeps the stream's order. @default 1 */
  concurrency?: number;
}

export interface Consumption {
  /** Stops fetching and waits for running handlers. */
  stop(): Promise<void>;
}

export interface ConsumeDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: BusNames;
  readonly service: ServiceName;
  readonly logger: BusLogger;
}

interface Settings {
  readonly handler: EventHandler;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly dlqSubject: string;
  readonly log: { consumer: string };
}

export async function startConsumer(deps: ConsumeDeps, opts: ConsumeOptions): Promise<Consumption> {
  const settings = validate(deps, opts);
  const stream =
    opts.stream === JOBS_STREAM ? deps.names.stream(JOBS_STREAM) : deps.names.eventStream(opts.stream);
  const durable = deps.names.durable(deps.service, opts.name);
  await ensureConsumer(deps.jsm, stream, consumerConfig(deps.names, durable, opts, settings));
  const concurrency = opts.concurrency ?? 1;
  const consumer = await deps.js.consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: concurrency });
  const inFlight = createInFlight();
  let stopping = false;

  const loop = (async () => {
    for await (const msg of messages) {
      await inFlight.belowLimit(concurrency);
      if (stopping) {
        msg.nak();
        continue;
      }
      void inFlight.track(handleMessage(deps, settings, msg));
    }
  })().catch((err: unknown) => deps.logger.error({ ...settings.log, err }, "consumer stopped unexpectedly"));

  return {
    async stop() {
      stopping = true;
      await messages.close();
      await loop;
      await inFlight.settled();
    },
  };
}

function validate(deps: ConsumeDeps, opts: ConsumeOptions): Settings {
  if (!isValidToken(opts.name)) throw new BusUsageError(`consumer name "${opts.name}" is not a valid token`);
  const maxDeliver = opts.maxDeliver ?? 5;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 1)
    throw new BusUsageError("maxDeliver must be at least 1");
  if (opts.filterSubjects.length === 0)
    throw new BusUsageError("a consumer needs at least one filter subject");
  return {
    handler: opts.handler,
    maxDeliver,
    backoffMs: opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : [1_000, 5_000, 15_000],
    ackWaitMs: opts.ackWaitMs ?? 30_000,
    dlqSubject: deps.names.subject(deadLetterSubject(deps.service, opts.name)),
    log: { consumer: deps.names.durable(deps.service, opts.name) },
  };
}

function consumerConfig(
  names: BusNames,
  durable: string,
  opts: ConsumeOptions,
  s: Settings,
): Partial<ConsumerConfig> {
  const filters = opts.filterSubjects.map((subject) => names.subject(subject));
  return {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(s.ackWaitMs),
    // One spare delivery: if copying to the DLQ fails on the last attempt, the next one retries the copy.
    max_deliver: s.maxDeliver + 1,
    ...(filters.length === 1 ? { filter_subject: filters[0] } : { filter_subjects: filters }),
  };
}

/** Creates the durable, or updates it when it exists with another configuration; many replicas may race. */
async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>) {
  try {
    await jsm.consumers.add(stream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError))
      throw new ProvisionError(`consumer ${config.durable_name}`, { cause: err });
    try {
      await jsm.consumers.update(stream, config.durable_name!, config);
    } catch (cause) {
      throw new ProvisionError(`consumer ${config.durable_name} on ${stream}`, { cause });
    }
  }
}

async function handleMessage(deps: ConsumeDeps, s: Settings, msg: JsMsg): Promise<void> {
  const deliveries = msg.info.deliveryCount;
  const parsed = parseEnvelope(msg);
  if (!parsed.ok) {
    deps.logger.error(
      { ...s.log, seq: msg.info.streamSequence, error: parsed.error },
      "event does not parse",
    );
    return deadLetterAndAck(deps, s, msg, parsed.error);
  }
  const ctx = contextFromEnvelope(parsed.envelope, msg.headers);
  const log = { ...s.log, requestId: ctx.requestId, eventId: parsed.envelope.eventId, deliveries };
  if (deliveries > s.maxDeliver) {
    return deadLetterAndAck(deps, s, msg, `delivered more than ${s.maxDeliver} times`);
  }
  // Tell the server we are still at it, so a slow handler is not redelivered to another replica.
  const heartbeat = setInterval(() => msg.working(), Math.max(s.ackWaitMs / 2, 500));
  try {
    await s.handler(parsed.envelope, ctx, msg);
    msg.ack();
  } catch (err) {
    if (isPermanent(err)) {
      deps.logger.error({ ...log, err }, "event data does not match its contract; dead-lettering");
      return deadLetterAndAck(deps, s, msg, describeError(err));
    }
    if (deliveries >= s.maxDeliver) {
      deps.logger.error({ ...log, err }, "event handler failed on its last delivery; dead-lettering");
      return deadLetterAndAck(deps, s, msg, describeError(err));
    }
    const delay = s.backoffMs[Math.min(deliveries - 1, s.backoffMs.length - 1)] ?? 0;
    deps.logger.warn({ ...log, err, retryInMs: delay }, "event handler failed; will retry");
    msg.nak(delay);
  } finally {
    clearInterval(heartbeat);
  }
}

/** A message whose data fails its contract will fail the same way on every delivery: no retries. */
function isPermanent(err: unknown): boolean {
  return err instanceof z.ZodError || (err instanceof TesseraError && err.code === "validation.failed");
}

type Parsed = { ok: true; envelope: EventEnvelope } | { ok: false; error: string };

function parseEnvelope(msg: JsMsg): Parsed {
  try {
    const result = EventEnvelopeSchema.safeParse(msg.json());
    if (result.success) return { ok: true, envelope: result.data };
    return {
      ok: false,
      error: `invalid envelope: ${result.error.issues.map((i) => i.path.join(".") || "(root)").join(", ")}`,
    };
  } catch (err) {
    return { ok: false, error: `not JSON: ${describeError(err)}` };
  }
}

async function deadLetterAndAck(deps: ConsumeDeps, s: Settings, msg: JsMsg, reason: string): Promise<void> {
  try {
    await deadLetter(deps.js, s.dlqSubject, msg, reason);
    msg.ack();
  } catch (publishError) {
    deps.logger.error(
      { ...s.log, err: publishError, seq: msg.info.streamSequence },
      "could not dead-letter; will retry",
    );
    msg.nak(s.backoffMs[0] ?? 1_000);
  }
}
