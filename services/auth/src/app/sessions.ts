import { randomUUID } from "node:crypto";
import type { MessageContext, TokenPair } from "@tessera/contracts";
import { type EventStore, handleCommand } from "@tessera/eventstore";
import { sessionDecider, sessionStreamId } from "../domain/session.ts";
import { projectSessionEvents } from "../infra/sessions.ts";
import type { SigningKey } from "../infra/signing-keys.ts";
import { type AccessTokenSettings, newRefreshToken, signAccessToken } from "../infra/tokens.ts";
import { eventMetadata } from "./metadata.ts";

export interface SessionDeps {
  store: EventStore;
  signingKey: () => SigningKey;
  tokens: AccessTokenSettings;
  /** Absolute lifetime of a refresh-token family, in ms. */
  refreshLifetimeMs: number;
  clock: () => Date;
}

/** Starts a session (a new refresh-token family) and hands out its first token pair. */
export async function startSession(
  deps: SessionDeps,
  account: { accountId: string; email: string },
  method: "register" | "password",
  ctx: MessageContext,
): Promise<TokenPair> {
  const now = deps.clock();
  const sessionId = randomUUID();
  const refresh = newRefreshToken();
  await handleCommand(
    deps.store,
    sessionDecider,
    sessionStreamId(sessionId),
    {
      type: "StartSession",
      data: {
        sessionId,
        accountId: account.accountId,
        familyId: randomUUID(),
        method,
        refreshTokenHash: refresh.hash,
        lifetimeMs: deps.refreshLifetimeMs,
      },
      meta: { now },
    },
    { inline: [projectSessionEvents], metadata: eventMetadata(ctx, account.accountId) },
  );
  const accessToken = await signAccessToken(deps.signingKey(), deps.tokens, { ...account, sessionId }, now);
  return {
    user: { id: account.accountId, email: account.email },
    accessToken,
    refreshToken: refresh.token,
    tokenType: "Bearer",
    expiresIn: deps.tokens.ttlSeconds,
  };
}
