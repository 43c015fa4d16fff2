import { randomUUID } from "node:crypto";
import { InternalError, type MessageContext, TesseraError, type TokenPair } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { type AesKeyRing, eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider, type ProviderIdentity } from "../domain/decide.ts";
import { AccountNotFoundError, IdentityTakenError, OAuthFailedError } from "../domain/errors.ts";
import {
  findAccountByEmail,
  findAccountById,
  findIdentityAccount,
  projectAccountEvents,
} from "../infra/accounts.ts";
import { issueLinkToken, type LinkTokenKey } from "../infra/link-tokens.ts";
import type { OAuthClient, SignInResult } from "../infra/oauth-clients.ts";
import { type OAuthFlow, openFlow } from "../infra/oauth-flow.ts";
import { saveProviderTokens } from "../infra/oauth-tokens.ts";
import type { AuthDb } from "../infra/tables.ts";
import { clientFor, type OAuthDeps } from "./oauth-start.ts";
import { type SessionDeps, startSession } from "./sessions.ts";

export interface OAuthCallbackDeps extends OAuthDeps, SessionDeps {
  db: Kysely<AuthDb>;
  /** Encrypts provider tokens at rest. */
  tokenKeys: AesKeyRing;
  linkKey: LinkTokenKey;
  /** Lifetime of the email-verification link of an account a provider did not vouch for, in ms. */
  verificationTtlMs: number;
  /** Where the browser goes next (the gateway sets the token cookies); null: answer the token pair. */
  frontendRedirectUrl: string | null;
}

export interface OAuthCallbackRequest {
  provider: string;
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  stateCookie?: string;
}

/**
 * `svc.auth.oauth.callback`: the browser's flow cookie must open and hold the state the provider
 * sent back; openid-client then checks `iss`, exchanges the code with the PKCE verifier and checks
 * the ID token (nonce included). The identity, keyed by `(issuer, subject)`, signs in its account,
 * is linked to the caller (link flow), auto-links only to an account whose email both sides verified,
 * or gets a new account.
 */
export function finishOAuth(deps: OAuthCallbackDeps) {
  const signIn = async (
    request: OAuthCallbackRequest,
    ctx: MessageContext,
  ): Promise<TokenPair & { location: string | null }> => {
    const client = clientFor(deps, request.provider);
    const now = deps.clock();
    const flow = openFlow(deps.flowKeys, request.stateCookie, {
      provider: client.name,
      state: request.state,
      now,
    });
    if (request.error !== undefined || request.code === undefined) throw new OAuthFailedError();
    const { identity, tokens } = await complete(client, request, flow);
    const accountId = await accountFor(deps, flow, identity, ctx);
    await saveProviderTokens(deps.db, deps.tokenKeys, { ...identity, accountId }, tokens, now);
    const account = await findAccountById(deps.db, accountId);
    if (!account) throw new AccountNotFoundError();
    const pair = await startSession(deps, { accountId, email: account.email }, "oauth", ctx);
    return { ...pair, location: deps.frontendRedirectUrl };
  };
  const frontend = deps.frontendRedirectUrl;
  if (frontend === null) return signIn;
  // A browser that came back from the provider lands on the front-end whatever happened; a failure
  // goes there too, with its code (the gateway adds `?error=`), not as a JSON page.
  return async (request: OAuthCallbackRequest, ctx: MessageContext) => {
    try {
      return await signIn(request, ctx);
    } catch (error) {
      throw (error instanceof TesseraError ? error : new InternalError({ cause: error })).redirecting(
        frontend,
      );
    }
  };
}

async function complete(
  client: OAuthClient,
  request: OAuthCallbackRequest,
  flow: OAuthFlow,
): Promise<SignInResult> {
  try {
    return await client.complete({ code: request.code, state: request.state, iss: request.iss }, flow);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    // A replayed or foreign code, a wrong issuer, a bad ID token or nonce: one answer to the browser.
    throw new OAuthFailedError({ cause: error });
  }
}

async function accountFor(
  deps: OAuthCallbackDeps,
  flow: OAuthFlow,
  identity: ProviderIdentity,
  ctx: MessageContext,
): Promise<string> {
  const linkedTo = await findIdentityAccount(deps.db, identity);
  if (flow.mode === "link") {
    const accountId = flow.accountId;
    if (accountId === undefined) throw new OAuthFailedError();
    if (linkedTo !== undefined && linkedTo !== accountId) throw new IdentityTakenError();
    await linkIdentity(deps, accountId, identity, "link", ctx);
    return accountId;
  }
  if (linkedTo !== undefined) return linkedTo;
  // Never by email alone: the decider links only when the provider and the account both verified it.
  const existing =
    identity.email === undefined ? undefined : await findAccountByEmail(deps.db, identity.email);
  if (existing) {
    await linkIdentity(deps, existing.account_id, identity, "verified-email", ctx);
    return existing.account_id;
  }
  const accountId = randomUUID();
  const link = issueLinkToken(deps.linkKey, "email-verification", accountId);
  await handleCommand(
    deps.store,
    accountDecider,
    accountStreamId(accountId),
    {
      type: "RegisterOAuthAccount",
      data: {
        accountId,
        identity,
        verification: {
          tokenHash: link.tokenHash,
          token: link.encrypted,
          lifetimeMs: deps.verificationTtlMs,
        },
      },
      meta: { now: deps.clock() },
    },
    { inline: [projectAccountEvents], metadata: eventMetadata(ctx, { actor: accountId }) },
  );
  return accountId;
}

async function linkIdentity(
  deps: OAuthCallbackDeps,
  accountId: string,
  identity: ProviderIdentity,
  via: "link" | "verified-email",
  ctx: MessageContext,
): Promise<void> {
  await handleCommand(
    deps.store,
    accountDecider,
    accountStreamId(accountId),
    { type: "LinkIdentity", data: { identity, via }, meta: { now: deps.clock() } },
    { inline: [projectAccountEvents], metadata: eventMetadata(ctx, { actor: accountId }) },
  );
}
