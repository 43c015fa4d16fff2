import type { Bus } from "@tessera/bus";
import { accountsGet, type MessageContext, RemoteError } from "@tessera/contracts";
import type { z } from "zod";

export type RegisteredAccount = z.output<typeof accountsGet.response>;

/** What `auth` knows of an account's registration; null when it knows no such account. */
export type AccountDirectory = (accountId: string, ctx: MessageContext) => Promise<RegisteredAccount | null>;

/** Time `auth` has to answer, in ms; well inside the gateway's own 5 s. @default 2_000 */
const ACCOUNT_LOOKUP_TIMEOUT_MS = 2_000;

/** `svc.auth.accounts.get` over the bus; an unavailable `auth` is the caller's 503. */
export function authAccounts(bus: Pick<Bus, "request">): AccountDirectory {
  return async (accountId, ctx) => {
    try {
      return await bus.request(accountsGet, { accountId }, ctx, { timeoutMs: ACCOUNT_LOOKUP_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof RemoteError && error.status === 404) return null;
      throw error;
    }
  };
}
