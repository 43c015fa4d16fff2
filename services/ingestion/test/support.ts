import { createHash, randomBytes, randomUUID } from "node:crypto";
import { type Bus, type Consumption, connectNats, createBus } from "@tessera/bus";
import {
  type CreatedSource,
  type EventEnvelope,
  hooksReceive,
  type Item,
  type MessageContext,
  type ProjectRole,
  pingOperation,
  type RawBody,
  sourceItemsList,
  sourcesCreate,
} from "@tessera/contracts";
import { type AesKeyRing, type Logger, parseAesKeyRing } from "@tessera/service-kit";
import {
  eventually,
  type InProcessService,
  startInProcess,
  TEST_NATS_URL,
  type TestDatabase,
} from "@tessera/testing";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import type { SourcesHooks } from "../src/app/register-sources.ts";
import type { SyncHooks } from "../src/app/register-sync.ts";
import { ingestionConfigSchema } from "../src/config.ts";
import { startIngestionService } from "../src/service.ts";

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A clock that moves only when the test moves it. */
export interface TestClock {
  now(): Date;
  set(at: Date): void;
  advance(ms: number): void;
}

export function testClock(start = "2030-01-01T00:00:00.000Z"): TestClock {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    set(at) {
      now = at.getTime();
    },
    advance(ms) {
      now += ms;
    },
  };
}

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A key ring of one fresh key, as `INGESTION_SECRET_KEYS` takes it. */
export function testKeyRing(): string {
  return `test-${randomBytes(3).toString("hex")}:${randomBytes(32).toString("base64url")}`;
}

export interface IngestionHarness {
  /** The service's key ring, for a test that seals a secret as the service would. */
  readonly keys: AesKeyRing;
  readonly service: InProcessService<Awaited<ReturnType<typeof startIngestionService>>>;
  readonly clock: TestClock;
  readonly hooks: SourcesHooks;
  /** The gateway's side of the bus. */
  readonly caller: Bus;
  readonly nc: Bus["nc"];
  /** Every event the service published, as a consumer of its stream received it. */
  readonly events: EventEnvelope[];
  stop(): Promise<void>;
}

/** The ingestion service in-process on a test clock, with a caller on its namespace. */
export async function startIngestion(
  options: {
    env?: Record<string, string>;
    logger?: Logger;
    namespace?: string;
    clock?: TestClock;
    /** The connector's retry and batch settings. */
    sync?: SyncHooks;
    /** Another instance's database (a restart): this one does not drop it when it stops. */
    database?: TestDatabase;
  } = {},
): Promise<IngestionHarness> {
  const clock = options.clock ?? testClock();
  const hooks: SourcesHooks = { clock: clock.now };
  const keyRing = testKeyRing();
  const service = await startInProcess({
    configSchema: ingestionConfigSchema,
    start: (config) =>
      startIngestionService(config, {
        sources: hooks,
        ...(options.sync ? { sync: options.sync } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    env: {
      INGESTION_SECRET_KEYS: keyRing,
      INGESTION_PUBLIC_URL: "https://api.example.test",
      ...options.env,
    },
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.database ? { database: options.database } : {}),
  });
  const nc = await connectNats({ servers: TEST_NATS_URL, name: "ingestion-test", logger: silent });
  const caller = createBus(nc, { service: "api-gateway", namespace: service.namespace, logger: silent });
  const events: EventEnvelope[] = [];
  // A consumer as any other service would run one on the ingestion stream.
  const observer: Consumption = await createBus(nc, {
    service: "memory",
    namespace: service.namespace,
    logger: silent,
  }).consume({
    // One per harness: a restarted instance's harness must not share (and split) the first one's.
    name: `test-observer-${randomBytes(3).toString("hex")}`,
    stream: "ingestion",
    filterSubjects: ["evt.ingestion.>"],
    handler: async (envelope) => {
      events.push(envelope);
    },
  });
  // The service subscribes on its own connection; once its ping (subscribed last) answers on ours,
  // the server has every one of its subscriptions, so no first request meets "no responders".
  await eventually(() =>
    caller.request(pingOperation("ingestion"), {}, anonymous()).then(
      () => true,
      () => undefined,
    ),
  );
  return {
    keys: parseAesKeyRing(options.env?.INGESTION_SECRET_KEYS ?? keyRing),
    service,
    clock,
    hooks,
    caller,
    nc,
    events,
    async stop() {
      await observer.stop();
      await nc.close();
      await service.stop();
    },
  };
}

/** A request as the gateway sends it for a member of `projectId` with `role`. */
export function member(
  projectId: string,
  role: ProjectRole = "owner",
  actor: string = randomUUID(),
): MessageContext {
  return { requestId: `req-${randomUUID()}`, actor, projectId, projectRole: role };
}

/** A request on a public route: nobody signed in. */
export function anonymous(): MessageContext {
  return { requestId: `req-${randomUUID()}` };
}

/** The `raw` field the gateway hands a raw-body route: the exact bytes and the listed headers present. */
export function rawOf(
  body: Buffer | string,
  headers: Record<string, string>,
  contentType = "application/json",
): RawBody {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return {
    contentType,
    base64: bytes.toString("base64"),
    bytes: bytes.length,
    headers: { ...headers, "content-type": contentType },
  };
}

/** Standard Webhooks headers for `body`, signed by the spec's own library as a sender would. */
export function signed(
  secret: string,
  body: Buffer | string,
  at: Date,
  id = `msg_${randomUUID()}`,
  prefix: "webhook" | "svix" = "webhook",
): Record<string, string> {
  const payload = typeof body === "string" ? body : body.toString("utf8");
  return {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: new Webhook(secret).sign(id, at, payload),
  };
}

export { refusal } from "@tessera/testing";

/** How many events of `type` the ingestion store holds whose data has `field` = `value`. */
export async function storedEvents(
  harness: IngestionHarness,
  type: string,
  field: string,
  value: string,
): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from ingestion.events where type = ${type} and data ->> ${field} = ${value}
  `.execute(harness.service.database.db);
  return rows[0]?.count ?? 0;
}

export { eventually };

/** Every `evt.<type>` the service has published so far that `matches`, once at least one has. */
export function published(
  harness: IngestionHarness,
  type: string,
  matches: (data: Record<string, unknown>) => boolean,
): Promise<EventEnvelope[]> {
  return eventually(async () => {
    const found = harness.events.filter((envelope) => {
      const data = typeof envelope.data === "object" && envelope.data !== null ? envelope.data : {};
      return envelope.type === type && matches(Object.fromEntries(Object.entries(data)));
    });
    return found.length > 0 ? found : undefined;
  });
}

/** The 401 every failed verification answers, whatever failed. */
export const UNVERIFIED = {
  status: 401,
  code: "ingestion.hook_unverified",
  detail: "The webhook could not be verified.",
};

export const sha256 = (body: string | Buffer): string => createHash("sha256").update(body).digest("hex");

/** A new webhook source in `projectId`, with the secret its creation showed. */
export async function webhookSource(
  harness: IngestionHarness,
  projectId: string = randomUUID(),
): Promise<CreatedSource & { type: "webhook" }> {
  const source = await harness.caller.request(
    sourcesCreate,
    { projectId, type: "webhook", name: "Hooks" },
    member(projectId),
  );
  if (source.type !== "webhook") throw new Error("not a webhook source");
  return source;
}

/** `POST /v1/hooks/{sourceId}` as the gateway forwards it. */
export function deliverHook(harness: IngestionHarness, sourceId: string, raw: RawBody): Promise<null> {
  return harness.caller.request(hooksReceive, { sourceId, raw }, anonymous());
}

/** A source's items, as a viewer of its project lists them. */
export async function itemsOf(harness: IngestionHarness, source: CreatedSource): Promise<Item[]> {
  const page = await harness.caller.request(
    sourceItemsList,
    { projectId: source.projectId, sourceId: source.id, limit: 50 },
    member(source.projectId, "viewer"),
  );
  return page.items;
}
