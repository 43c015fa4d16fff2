import { randomBytes, randomUUID } from "node:crypto";
import { type Bus, connectNats, createBus } from "@tessera/bus";
import {
  type Contact,
  contactsCreate,
  type Message,
  type MessageContext,
  messagesAct,
  messagesCreate,
  messagesGet,
  type ProjectRole,
  pingOperation,
} from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import {
  eventually,
  type InProcessService,
  startInProcess,
  TEST_NATS_URL,
  type TestDatabase,
} from "@tessera/testing";
// The real scheduler, in this process: runs, retries and delays are its, not a stand-in's.
import { jobSchedulerConfigSchema } from "../../../job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../../job-scheduler/src/service.ts";
import { outboundConfigSchema } from "../../src/config.ts";
import { type OutboundServiceHooks, startOutboundService } from "../../src/service.ts";
import { startTestReceiver, startTestSmtp, type TestReceiver, type TestSmtp } from "./channels.ts";

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** Short, fixed retry delays: a failed attempt is tried again within a second. */
export const QUICK_RETRIES = { maxAttempts: 3, initialDelayMs: 300, factor: 1, maxDelayMs: 300, jitter: 0 };

export function testKeyRing(): string {
  return `test-${randomBytes(3).toString("hex")}:${randomBytes(32).toString("base64url")}`;
}

export interface OutboundHarness {
  readonly service: InProcessService<Awaited<ReturnType<typeof startOutboundService>>>;
  readonly scheduler: InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;
  readonly hooks: OutboundServiceHooks;
  readonly smtp: TestSmtp;
  readonly receiver: TestReceiver;
  readonly caller: Bus;
  readonly env: Record<string, string>;
  /** Stops the outbound service and starts it again on the same database and namespace. */
  restart(hooks?: Partial<OutboundServiceHooks>): Promise<void>;
  stop(): Promise<void>;
}

export async function startOutbound(
  options: { hooks?: Partial<OutboundServiceHooks>; env?: Record<string, string> } = {},
): Promise<OutboundHarness> {
  const smtp = await startTestSmtp();
  const receiver = await startTestReceiver();
  const env = {
    OUTBOUND_SECRET_KEYS: testKeyRing(),
    OUTBOUND_EMAIL_INDEX_KEY: randomBytes(32).toString("base64url"),
    OUTBOUND_APP_URL: "https://app.example.test",
    // The service's own channels: SMTP to the test's server, webhooks through the egress guard,
    // which lets loopback through only because this says so.
    OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    EGRESS_ALLOW_HOSTS: "127.0.0.1",
    ...options.env,
  };
  const makeHooks = (extra: Partial<OutboundServiceHooks> = {}): OutboundServiceHooks => ({
    retryOverride: QUICK_RETRIES,
    ...extra,
  });
  const start = (hooks: OutboundServiceHooks, database?: TestDatabase, namespace?: string) =>
    startInProcess({
      configSchema: outboundConfigSchema,
      start: (config) => startOutboundService(config, hooks),
      env,
      ...(database ? { database } : {}),
      ...(namespace ? { namespace } : {}),
    });
  let hooks = makeHooks(options.hooks);
  let service = await start(hooks);
  const scheduler = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: (config) => startJobSchedulerService(config),
    namespace: service.namespace,
  });
  const nc = await connectNats({ servers: TEST_NATS_URL, name: "outbound-test", logger: silent });
  const caller = createBus(nc, { service: "api-gateway", namespace: service.namespace, logger: silent });
  const ready = async (name: "outbound" | "job-scheduler") =>
    eventually(() =>
      caller.request(pingOperation(name), {}, systemContext("test")).then(
        () => true,
        () => undefined,
      ),
    );
  await ready("outbound");
  await ready("job-scheduler");
  const harness: OutboundHarness = {
    get service() {
      return service;
    },
    scheduler,
    get hooks() {
      return hooks;
    },
    smtp,
    receiver,
    caller,
    env,
    async restart(extra) {
      const { database, namespace } = service;
      await service.running.stop();
      hooks = makeHooks(extra);
      service = await start(hooks, database, namespace);
      await ready("outbound");
    },
    async stop() {
      await nc.close();
      await scheduler.stop();
      await service.running.stop();
      await service.database.drop();
      await smtp.stop();
      await receiver.stop();
    },
  };
  return harness;
}

/** What the request helpers below need: a bus to call outbound on, as the gateway does. */
export type Caller = Pick<OutboundHarness, "caller">;

/** A request as the gateway sends it for a member of `projectId` with `role`. */
export function member(
  projectId: string,
  role: ProjectRole = "owner",
  actor: string = randomUUID(),
): MessageContext {
  return { requestId: `req-${randomUUID()}`, actor, projectId, projectRole: role };
}

export { refusal } from "@tessera/testing";
export { eventually };

export function newContact(
  h: Caller,
  projectId: string,
  fields: Record<string, unknown> = {},
): Promise<Contact> {
  return h.caller.request(
    contactsCreate,
    { projectId, email: `c-${randomUUID().slice(0, 8)}@example.test`, name: "Ada", ...fields },
    member(projectId, "member"),
  );
}

export function draftEmail(
  h: Caller,
  projectId: string,
  contactId: string,
  extra: Record<string, unknown> = {},
  ctx: MessageContext = member(projectId, "member"),
): Promise<Message> {
  return h.caller.request(
    messagesCreate,
    { projectId, channel: "email", contactId, subject: "Hello", text: "Hi there.", ...extra },
    ctx,
  );
}

/** Submit by a member, approve by an owner: the message as the approval left it. */
export async function submitAndApprove(h: Caller, message: Message): Promise<Message> {
  const projectId = message.projectId ?? "";
  await h.caller.request(
    messagesAct,
    { projectId, messageId: message.id, action: "submit" },
    member(projectId, "member"),
  );
  return h.caller.request(
    messagesAct,
    { projectId, messageId: message.id, action: "approve" },
    member(projectId, "owner"),
  );
}

export function readMessage(h: Caller, projectId: string, messageId: string): Promise<Message> {
  return h.caller.request(messagesGet, { projectId, messageId }, member(projectId, "viewer"));
}

/** The message once its status is one of `statuses`. */
export function messageReaches(
  h: Caller,
  projectId: string,
  messageId: string,
  statuses: readonly Message["status"][],
  timeoutMs = 30_000,
): Promise<Message> {
  return eventually(async () => {
    const message = await readMessage(h, projectId, messageId);
    return statuses.includes(message.status) ? message : undefined;
  }, timeoutMs);
}
