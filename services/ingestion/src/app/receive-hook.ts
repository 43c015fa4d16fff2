import { randomUUID } from "node:crypto";
import {
  HOOK_BODY_MAX_BYTES,
  type hooksReceive,
  type MessageContext,
  PayloadTooLargeError,
} from "@tessera/contracts";
import type { AesKeyRing } from "@tessera/service-kit";
import type { z } from "zod";
import { HookUnverifiedError } from "../domain/source-errors.ts";
import type { Sealed } from "../domain/source-secrets.ts";
import { signedDelivery, verifyChatwootWebhook, verifyStandardWebhook } from "../infra/signatures.ts";
import type { SourceRow } from "../infra/sources.tables.ts";
import { findHookTarget } from "../infra/sources.ts";
import { receiveChatwootPush } from "./chatwoot-push.ts";
import { recordItem } from "./record-item.ts";
import { newSigningSecret, open, openSigningSecrets, seal } from "./secret-box.ts";
import type { SourcesDeps } from "./sources-deps.ts";

/**
 * A sealed secret that verifies nothing, opened and checked in place of a source's when there is
 * none to check (an unknown or upload source, a Chatwoot source without a webhook secret), so such
 * an answer takes the work a real check takes.
 */
export interface DecoySecret {
  readonly sourceId: string;
  readonly sealed: Sealed;
}

export function decoySecret(keys: AesKeyRing): DecoySecret {
  const sourceId = randomUUID();
  return { sourceId, sealed: seal(keys, sourceId, "signing", newSigningSecret()) };
}

export interface HookDeps extends SourcesDeps {
  readonly decoy: DecoySecret;
}

type Headers = Readonly<Record<string, string>>;

/** The verdict on a delivery; `deliveryId` is the Standard Webhooks id that verified. */
type Verdict = { readonly verified: false } | { readonly verified: true; readonly deliveryId: string | null };

function verify(
  deps: HookDeps,
  target: SourceRow | undefined,
  headers: Headers,
  body: Buffer,
  now: Date,
): Verdict {
  const secrets =
    target === undefined || target.type === "upload"
      ? []
      : openSigningSecrets(deps.keys, target.id, target.secrets.signing, now, (keyId) =>
          deps.logger.warn(
            { sourceId: target.id, keyId },
            "a source secret is sealed with a key not in INGESTION_SECRET_KEYS",
          ),
        );
  const checked =
    secrets.length > 0 ? secrets : [open(deps.keys, deps.decoy.sourceId, "signing", deps.decoy.sealed)];
  if (target?.type === "chatwoot") {
    const verified = verifyChatwootWebhook(checked, headers, body, now) && secrets.length > 0;
    return verified ? { verified, deliveryId: null } : { verified: false };
  }
  const delivery = signedDelivery(headers);
  if (delivery === null) return { verified: false };
  const verified = verifyStandardWebhook(checked, delivery, body, now) && secrets.length > 0;
  return verified ? { verified, deliveryId: delivery.id } : { verified: false };
}

/**
 * `svc.ingestion.hooks.receive`: verified over the exact bytes received, then kept durably before
 * the 202. Every failure to verify — a bad or missing signature, a stale or future timestamp, a
 * paused, unknown or upload source — is the same 401, after the same work.
 */
export function receiveHook(deps: HookDeps) {
  return async (request: z.output<typeof hooksReceive.request>, ctx: MessageContext): Promise<null> => {
    const { sourceId, raw } = request;
    const body = Buffer.from(raw.base64, "base64");
    if (body.length > HOOK_BODY_MAX_BYTES) throw new PayloadTooLargeError();
    const now = deps.clock();
    const target = await findHookTarget(deps.db, sourceId);
    const verdict = verify(deps, target, raw.headers, body, now);
    if (!verdict.verified || target === undefined || target.paused) {
      deps.logger.debug(
        { requestId: ctx.requestId, sourceId, known: target !== undefined, paused: target?.paused ?? false },
        "webhook refused",
      );
      throw new HookUnverifiedError();
    }
    const source = { id: target.id, projectId: target.project_id, type: target.type };
    if (target.settings.type === "chatwoot") {
      const outcome = await receiveChatwootPush(deps, { source, settings: target.settings, raw, body }, ctx);
      if (outcome === "gone") throw new HookUnverifiedError();
      return null;
    }
    // A webhook source verifies Standard Webhooks only, whose id names the delivery.
    if (verdict.deliveryId === null) throw new HookUnverifiedError();
    const outcome = await recordItem(
      deps,
      {
        source,
        externalId: verdict.deliveryId,
        kind: "webhook",
        contentType: raw.contentType,
        body,
        headers: raw.headers,
        deliveryId: verdict.deliveryId,
      },
      ctx,
    );
    if (outcome === "gone") throw new HookUnverifiedError();
    deps.logger.debug({ requestId: ctx.requestId, sourceId, outcome }, "webhook received");
    return null;
  };
}
