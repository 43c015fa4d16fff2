import { randomUUID } from "node:crypto";
import type { MessageContext, SessionMethod, SessionRevokeReason, TokenPair } from "@tessera/contracts";
import { type EventStore, handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import { SessionNotFoundError } from "../domain/errors.ts";
import { sessionStreamId } from "../domain/session.ts";
import { sessionDecider } from "../domain/session-decide.ts";
import { projectSessionEvents } from "../infra/sessions.ts";
import type { SigningKey } from "../infra/signing-keys.ts";
import { type AccessTokenSettings, newRefreshToken, signAccessToken } from "../infra/tokens.ts";

export interface SessionDeps {
  store: EventStore;
  signingKey: () => SigningKey;
  tokens: AccessTokenSettings;
  /** Absolute lifetime of a refresh-token family, in ms. */
  refreshLifetimeMs: number;
  /** A session not refreshed for this long ends, in ms. */
  refreshIdleMs: number;
  clock: () => Date;
}

export async function tokenPair(
  deps: SessionDeps,
  account: { accountId: string; email: string },
  session: { sessionId: string; refreshToken: string },
  now: Date,
): Promise<TokenPair> {
  const accessToken = await signAccessToken(
    deps.signingKey(),
    deps.tokens,
    { accountId: account.accountId, sessionId: session.sessionId },
    now,
  );
  return {
    user: { id: account.accountId, email: account.email },
    accessToken,
    refreshToken: session.refreshToken,
    tokenType: "Bearer",
    expiresIn: deps.tokens.ttlSeconds,
  };
}

/** Starts a session (a new refresh-token family) and hands out its first token pair. */
export async function startSession(
  deps: SessionDeps,
  account: { accountId: string; email: string },
  method: SessionMethod,
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
    { inline: [projectSessionEvents], metadata: eventMetadata(ctx, { actor: account.accountId }) },
  );
  return tokenPair(deps, account, { sessionId, refreshToken: refresh.token }, now);
}

/**
 * Revokes one session; `onBehalfOf` limits it to that account's sessions (another's is "not found").
 * Revoking a revoked session changes nothing.
 */
export async function revokeSession(
  deps: Pick<SessionDeps, "store" | "clock">,
  sessionId: string,
  options: { reason: SessionRevokeReason; onBehalfOf?: string; retries?: number },
  ctx: MessageContext,
): Promise<void> {
  await handleCommand(
    deps.store,
    sessionDecider,
    sessionStreamId(sessionId),
    {
      type: "RevokeSession",
      data: { reason: options.reason, ...(options.onBehalfOf ? { onBehalfOf: options.onBehalfOf } : {}) },
      meta: { now: deps.clock() },
    },
    {
      inline: [projectSessionEvents],
      metadata: eventMetadata(ctx),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    },
  );
}

/**
 * Revokes each of the given sessions of one account (each is its own stream); answers those that
 * exist.
 */
export async function revokeSessions(
  deps: Pick<SessionDeps, "store" | "clock">,
  sessionIds: readonly string[],
  reason: SessionRevokeReason,
  ctx: MessageContext,
  options: { retries?: number } = {},
): Promise<string[]> {
  const revoked: string[] = [];
  for (const sessionId of sessionIds) {
    try {
      await revokeSession(deps, sessionId, { reason, ...options }, ctx);
      revoked.push(sessionId);
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
    }
  }
  return revoked;
}
