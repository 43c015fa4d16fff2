import { randomBytes } from "node:crypto";
import {
  HOOK_BODY_MAX_BYTES,
  type identityHooksReceive,
  type MessageContext,
  PayloadTooLargeError,
} from "@tessera/contracts";
import { type DeletePublishedCopies, handleCommand } from "@tessera/eventstore";
import { eventMetadata, type Logger, systemActor } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import type { z } from "zod";
import type { IdentityIssuerSecret } from "../config.ts";
import {
  type ClerkReading,
  identityDecider,
  identityStreamId,
  identitySubject,
  readClerkEvent,
} from "../domain/identity.ts";
import { HookUnverifiedError } from "../domain/source-errors.ts";
import { ingestionStores } from "../infra/event-store.ts";
import { claimIdentityDelivery } from "../infra/identity-deliveries.ts";
import { type SignedDelivery, signedDelivery, verifyStandardWebhook } from "../infra/signatures.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";

/** Each configured issuer's secrets (two during a rotation), by name. */
export type IdentityIssuers = ReadonlyMap<string, readonly string[]>;

export function identityIssuers(configured: readonly IdentityIssuerSecret[]): IdentityIssuers {
  const issuers = new Map<string, string[]>();
  for (const { name, secret } of configured) issuers.set(name, [...(issuers.get(name) ?? []), secret]);
  return issuers;
}

/** A random secret checked in place of an unknown issuer's, so that answer takes the same work. */
export function decoyIdentitySecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export interface IdentityHookDeps {
  readonly db: Kysely<SourcesDb>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly issuers: IdentityIssuers;
  readonly decoySecret: string;
  /** How long a delivery id is remembered, in ms. */
  readonly dedupeWindowMs: number;
  /** Deletes the bus's copies of an erased identity's events. */
  readonly deletePublished: DeletePublishedCopies;
}

/** What became of a verified delivery. */
type Outcome = "recorded" | "ignored" | "duplicate";

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * `svc.ingestion.identity-hooks.receive`: a Clerk webhook, verified over the exact bytes with the
 * issuer's secrets like a source hook. An unknown issuer checks a decoy secret and gets the same 401
 * as a bad signature. A verified delivery is kept before the 202: its id claimed for the dedupe
 * window and, for a user event, `ingestion.identity.changed` appended. Anything else verified (another
 * event type, a body that is no Clerk user) is 202 and recorded as ignored.
 */
export function receiveIdentityHook(deps: IdentityHookDeps) {
  return async (
    request: z.output<typeof identityHooksReceive.request>,
    ctx: MessageContext,
  ): Promise<null> => {
    const { issuerName, raw } = request;
    const body = Buffer.from(raw.base64, "base64");
    if (body.length > HOOK_BODY_MAX_BYTES) throw new PayloadTooLargeError();
    const now = deps.clock();
    const secrets = deps.issuers.get(issuerName);
    const delivery = signedDelivery(raw.headers);
    const verified =
      delivery !== null && verifyStandardWebhook(secrets ?? [deps.decoySecret], delivery, body, now);
    if (!verified || secrets === undefined || delivery === null) {
      deps.logger.debug({ requestId: ctx.requestId, known: secrets !== undefined }, "identity hook refused");
      throw new HookUnverifiedError();
    }
    const reading = readClerkEvent(parseJson(body));
    const outcome = await deps.db
      .transaction()
      .execute((trx) => record(trx, deps, { issuer: issuerName, delivery, reading, now }, ctx));
    deps.logger.info(
      {
        requestId: ctx.requestId,
        issuer: issuerName,
        deliveryId: delivery.id,
        outcome,
        ...(reading.kind === "ignored" ? { reason: reading.reason, eventType: reading.eventType } : {}),
      },
      "identity hook received",
    );
    return null;
  };
}

async function record(
  trx: Transaction<SourcesDb>,
  deps: IdentityHookDeps,
  input: { issuer: string; delivery: SignedDelivery; reading: ClerkReading; now: Date },
  ctx: MessageContext,
): Promise<Outcome> {
  const { issuer, delivery, reading, now } = input;
  const claimed = await claimIdentityDelivery(
    trx,
    {
      issuer,
      deliveryId: delivery.id,
      outcome: reading.kind === "user" ? "applied" : "ignored",
      eventType: reading.kind === "user" ? `user.${reading.facts.change}` : reading.eventType,
    },
    now,
    new Date(now.getTime() - deps.dedupeWindowMs),
  );
  if (!claimed) return "duplicate";
  if (reading.kind === "ignored") return "ignored";
  const { facts } = reading;
  // A deleted user's email and name go from this store and from the bus: the key first, as every
  // writer of the identity takes it before the stream.
  if (facts.change === "deleted") {
    await ingestionStores.vault(trx).erase(identitySubject(issuer, facts.subject), deps.deletePublished);
  }
  await handleCommand(
    ingestionStores.on(trx),
    identityDecider,
    identityStreamId(issuer, facts.subject),
    { type: "RecordIdentityChange", data: { ...facts, issuer, deliveryId: delivery.id }, meta: { now } },
    { metadata: eventMetadata(ctx, { actor: systemActor("ingestion") }) },
  );
  return "recorded";
}
