import type { MessageContext } from "@tessera/contracts";
import { type AesKeyRing, requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { AccountNotFoundError, OAuthProviderNotFoundError } from "../domain/errors.ts";
import { findAccountById } from "../infra/accounts.ts";
import { newFlowSecrets, type OAuthClient } from "../infra/oauth-clients.ts";
import { type OAuthFlow, sealFlow } from "../infra/oauth-flow.ts";
import type { AuthDb } from "../infra/tables.ts";

export interface OAuthDeps {
  clients: ReadonlyMap<string, OAuthClient>;
  /** Seals the flow cookie. */
  flowKeys: AesKeyRing;
  /** Lifetime of a flow, in ms. */
  flowTtlMs: number;
  clock: () => Date;
}

export function clientFor(deps: Pick<OAuthDeps, "clients">, provider: string): OAuthClient {
  const client = deps.clients.get(provider);
  if (!client) throw new OAuthProviderNotFoundError();
  return client;
}

/** `svc.auth.oauth-providers.list`: the configured providers, without their secrets. */
export function listProviders(deps: Pick<OAuthDeps, "clients">) {
  return async (): Promise<{ items: { name: string; type: OAuthClient["type"] }[] }> => ({
    items: [...deps.clients.values()].map((client) => ({ name: client.name, type: client.type })),
  });
}

async function beginFlow(
  deps: OAuthDeps,
  client: OAuthClient,
  mode: OAuthFlow["mode"],
  accountId?: string,
): Promise<{ url: string; stateCookie: string }> {
  const secrets = newFlowSecrets();
  const flow: OAuthFlow = {
    provider: client.name,
    mode,
    ...(accountId ? { accountId } : {}),
    ...secrets,
    expiresAt: deps.clock().getTime() + deps.flowTtlMs,
  };
  const url = await client.authorizationUrl(secrets);
  return { url: url.href, stateCookie: sealFlow(deps.flowKeys, flow) };
}

/**
 * `svc.auth.oauth.start`: the provider's authorization URL (PKCE S256, state, nonce) and the sealed
 * flow for the browser's cookie; the gateway answers 302 and sets the cookie.
 */
export function startOAuth(deps: OAuthDeps) {
  return async (request: { provider: string }): Promise<{ location: string; stateCookie: string }> => {
    const { url, stateCookie } = await beginFlow(deps, clientFor(deps, request.provider), "sign-in");
    return { location: url, stateCookie };
  };
}

/** `svc.auth.oauth.link`: as start, for linking the provider to the signed-in caller's account. */
export function linkOAuth(deps: OAuthDeps & { db: Kysely<AuthDb> }) {
  return async (
    request: { provider: string },
    ctx: MessageContext,
  ): Promise<{ url: string; stateCookie: string }> => {
    const accountId = requireUser(ctx);
    const client = clientFor(deps, request.provider);
    if (!(await findAccountById(deps.db, accountId))) throw new AccountNotFoundError();
    return beginFlow(deps, client, "link", accountId);
  };
}
