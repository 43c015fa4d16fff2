import type { MessageContext, RawBody } from "@tessera/contracts";
import {
  CHATWOOT_ITEM_CONTENT_TYPE,
  chatwootItemBody,
  chatwootPushItem,
  incomingMessageFacts,
} from "../domain/chatwoot.ts";
import type { ChatwootSettings } from "../domain/source-config.ts";
import { MalformedChatwootHookError } from "../domain/source-errors.ts";
import { type IncomingItem, type RecordOutcome, recordItem } from "./record-item.ts";
import type { SourcesDeps } from "./sources-deps.ts";

export interface ChatwootPush {
  readonly source: IncomingItem["source"];
  readonly settings: ChatwootSettings;
  readonly raw: RawBody;
  readonly body: Buffer;
}

function payloadOf(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new MalformedChatwootHookError("not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MalformedChatwootHookError("not a JSON object");
  }
  return Object.fromEntries(Object.entries(parsed));
}

/**
 * A verified Chatwoot webhook: a message or conversation becomes its item, under the stable id and
 * in the canonical form the connector's polling uses, so whichever path sees it first, the other
 * finds it unchanged. Other events, accounts and inboxes are acknowledged and not kept.
 */
export async function receiveChatwootPush(
  deps: Pick<SourcesDeps, "db" | "clock" | "settings" | "logger">,
  push: ChatwootPush,
  ctx: MessageContext,
): Promise<RecordOutcome | "ignored"> {
  const outcome = chatwootPushItem(payloadOf(push.body), push.settings);
  if ("ignored" in outcome) {
    deps.logger.debug(
      { requestId: ctx.requestId, sourceId: push.source.id, ignored: outcome.ignored },
      "chatwoot webhook not kept",
    );
    return "ignored";
  }
  const item = outcome.stored;
  return recordItem(
    deps,
    {
      source: push.source,
      externalId: item.externalId,
      kind: item.kind,
      contentType: CHATWOOT_ITEM_CONTENT_TYPE,
      body: chatwootItemBody(item),
      headers: push.raw.headers,
      deliveryId: null,
      incoming: incomingMessageFacts(item),
    },
    ctx,
  );
}
