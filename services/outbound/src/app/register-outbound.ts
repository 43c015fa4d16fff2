import { createHash, randomBytes } from "node:crypto";
import {
  contactPoliciesPut,
  contactsCreate,
  contactsDelete,
  contactsGet,
  contactsList,
  contactsUpdate,
  endpointsCreate,
  endpointsDelete,
  endpointsList,
  eventSubject,
  messageReceived,
  messagesAct,
  messagesCreate,
  messagesGet,
  messagesList,
  outboundDeliverJob,
  outboundSettingsGet,
  outboundSettingsPut,
  type RetryPolicy,
  unsubscribeConfirm,
  unsubscribeShow,
} from "@tessera/contracts";
import { handleJob, startJobWorker } from "@tessera/jobs";
import { keyRingOrEphemeral, type Logger, type ServiceRuntime } from "@tessera/service-kit";
import type { OutboundConfig } from "../config.ts";
import type { OutboundDb } from "../infra/outbound.tables.ts";
import { actOnMessage } from "./act-on-message.ts";
import type { EmailChannel, SendSystemEmail, WebhookChannel } from "./channels.ts";
import { createContact } from "./create-contact.ts";
import { createMessage } from "./create-message.ts";
import { deleteContact } from "./delete-contact.ts";
import { type DeliveryHooks, deliverMessage } from "./deliver-message.ts";
import { createEndpoint, deleteEndpoint, listProjectEndpoints } from "./endpoints.ts";
import { onReply, REPLIES_CONSUMER } from "./on-reply.ts";
import type { OutboundDeps } from "./outbound-deps.ts";
import { getOutboundSettings, putOutboundSettings } from "./outbound-settings.ts";
import { putPolicy } from "./put-policy.ts";
import { getContact, listProjectContacts } from "./read-contacts.ts";
import { getMessage, listProjectMessages } from "./read-messages.ts";
import { startApprovedRequeue } from "./requeue-approved.ts";
import { sendSystemEmail } from "./send-system-email.ts";
import { confirmUnsubscribe, showUnsubscribe } from "./unsubscribe.ts";
import { updateContact } from "./update-contact.ts";

export interface OutboundHooks {
  /** The transports; until the real ones are wired, a channel that says it cannot deliver yet. */
  email?: EmailChannel;
  webhook?: WebhookChannel;
  clock?: () => Date;
  /** Replaces parts of the deliver job's retry policy (tests use short delays). */
  retryOverride?: Partial<RetryPolicy>;
  delivery?: DeliveryHooks;
  /** Set once registered: how the platform's own emails are sent (the channels helper's consumers use it). */
  sendSystemEmail?: SendSystemEmail;
}

function unconfigured(kind: string) {
  return {
    send: async () => ({ outcome: "retry" as const, error: `no ${kind} channel is configured` }),
    close: async () => {},
  };
}

/** How long a stopping service lets running deliveries finish, in ms. */
const DELIVERY_DRAIN_MS = 5_000;

function emailIndexKey(config: OutboundConfig, logger: Logger): Buffer {
  if (config.OUTBOUND_EMAIL_INDEX_KEY !== undefined) {
    return createHash("sha256").update(config.OUTBOUND_EMAIL_INDEX_KEY, "utf8").digest();
  }
  logger.warn("OUTBOUND_EMAIL_INDEX_KEY is not set: a random key for this process (development only)");
  return randomBytes(32);
}

/** Contacts, endpoints, settings, messages, their delivery worker, stop-on-reply and unsubscribe. */
export async function registerOutbound(
  runtime: ServiceRuntime,
  config: OutboundConfig,
  hooks: OutboundHooks = {},
): Promise<{ sendSystemEmail: SendSystemEmail }> {
  const { bus, logger, onStop } = runtime;
  const deps: OutboundDeps = {
    db: runtime.db.withTables<OutboundDb>(),
    bus,
    keys: keyRingOrEphemeral(config.OUTBOUND_SECRET_KEYS, "OUTBOUND_SECRET_KEYS", logger),
    emailIndexKey: emailIndexKey(config, logger),
    clock: hooks.clock ?? (() => new Date()),
    logger,
    settings: { appUrl: config.OUTBOUND_APP_URL },
    email: hooks.email ?? unconfigured("email"),
    webhook: hooks.webhook ?? unconfigured("webhook"),
  };

  bus.serve(contactsCreate, createContact(deps));
  bus.serve(contactsList, listProjectContacts(deps));
  bus.serve(contactsGet, getContact(deps));
  bus.serve(contactsUpdate, updateContact(deps));
  bus.serve(contactsDelete, deleteContact(deps));
  bus.serve(contactPoliciesPut, putPolicy(deps));
  bus.serve(endpointsCreate, createEndpoint(deps));
  bus.serve(endpointsList, listProjectEndpoints(deps));
  bus.serve(endpointsDelete, deleteEndpoint(deps));
  bus.serve(outboundSettingsGet, getOutboundSettings(deps));
  bus.serve(outboundSettingsPut, putOutboundSettings(deps));
  bus.serve(messagesCreate, createMessage(deps));
  bus.serve(messagesList, listProjectMessages(deps));
  bus.serve(messagesGet, getMessage(deps));
  bus.serve(messagesAct, actOnMessage(deps));
  bus.serve(unsubscribeShow, showUnsubscribe(deps));
  bus.serve(unsubscribeConfirm, confirmUnsubscribe(deps));
  const systemEmail = sendSystemEmail(deps);
  hooks.sendSystemEmail = systemEmail;

  // Steps stop in reverse order: the delivery worker (registered next) finishes its running
  // deliveries first, and only then are the channels it sends through closed.
  onStop("channels", async () => {
    await Promise.all([deps.email.close(), deps.webhook.close()]);
  });
  const maxAttempts = hooks.retryOverride?.maxAttempts ?? outboundDeliverJob.retry.maxAttempts;
  const worker = await startJobWorker({
    bus,
    logger,
    jobs: [
      handleJob(outboundDeliverJob, deliverMessage({ ...deps, maxAttempts, hooks: hooks.delivery ?? {} })),
    ],
    ...(hooks.retryOverride ? { retryOverride: hooks.retryOverride } : {}),
    // Half the service's shutdown budget: a delivery still running then is handed back (and found
    // `started` by the next attempt, so it becomes `unknown`, never a second send).
    drainTimeoutMs: DELIVERY_DRAIN_MS,
  });
  onStop("delivery worker", () => worker.stop());
  // In the background: the scheduler may start after outbound, or be down when an approval is made.
  const requeue = startApprovedRequeue(deps, logger, config.OUTBOUND_REQUEUE_POLL_MS);
  onStop("approved re-queue", () => requeue.stop());

  // Ingestion may start after outbound: its stream is awaited in the background.
  runtime.consumeInBackground({
    name: REPLIES_CONSUMER,
    stream: "ingestion",
    filterSubjects: [eventSubject(messageReceived.type)],
    handler: onReply(deps),
  });
  return { sendSystemEmail: systemEmail };
}
