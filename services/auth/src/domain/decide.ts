import type { EncryptedLinkToken, LinkPurpose } from "@tessera/contracts";
import type { AccountEvent, AccountState, IdentityLinkedData, LinkRequestedData } from "./account.ts";
import { evolveAccount, identityKey, initialAccountState } from "./account.ts";
import {
  AccountAlreadyRegisteredError,
  AccountNotFoundError,
  OAuthEmailRequiredError,
  OAuthLinkRequiredError,
  ResetTokenInvalidError,
  VerificationTokenInvalidError,
} from "./errors.ts";

export interface CommandMeta {
  /** The moment the command is handled, from the handler's clock. */
  now: Date;
}

/** A freshly made link token: its hash to check it later, the raw token encrypted for `outbound`. */
export interface LinkIssue {
  tokenHash: string;
  token: EncryptedLinkToken;
  /** Lifetime of the link, in ms. */
  lifetimeMs: number;
}

export type AccountCommand =
  | {
      type: "RegisterAccount";
      data: {
        accountId: string;
        email: string;
        displayName?: string;
        passwordHash: string;
        verification: LinkIssue;
      };
      meta: CommandMeta;
    }
  | { type: "RequestPasswordReset"; data: { link: LinkIssue }; meta: CommandMeta }
  | { type: "ResetPassword"; data: { tokenHash: string; passwordHash: string }; meta: CommandMeta }
  | { type: "ChangePassword"; data: { passwordHash: string }; meta: CommandMeta }
  | { type: "VerifyEmail"; data: { tokenHash: string }; meta: CommandMeta }
  | {
      type: "RegisterOAuthAccount";
      data: {
        accountId: string;
        identity: ProviderIdentity;
        verification: LinkIssue;
        /** For the profile: the name an identity provider's hook gave. */
        displayName?: string;
      };
      meta: CommandMeta;
    }
  | {
      /** A linked provider now vouches for the account's own address (identity hooks). */
      type: "ConfirmEmailByProvider";
      data: { identity: { issuer: string; subject: string; email: string; emailVerified: boolean } };
      meta: CommandMeta;
    }
  | {
      type: "LinkIdentity";
      data: { identity: ProviderIdentity; via: "link" | "verified-email" };
      meta: CommandMeta;
    }
  | {
      /** A linked identity's provider verified another address for the person (identity hooks). */
      type: "ChangeEmailByProvider";
      data: { identity: { issuer: string; subject: string; email: string; emailVerified: boolean } };
      meta: CommandMeta;
    }
  | {
      /** A linked identity's provider gave the person a name (identity hooks). */
      type: "TakeProviderName";
      data: { identity: { issuer: string; subject: string }; displayName: string };
      meta: CommandMeta;
    }
  | { type: "EraseAccount"; data: Record<string, never>; meta: CommandMeta };

/** What a provider said about the person signing in. */
export type ProviderIdentity = Omit<IdentityLinkedData, "accountId" | "via" | "linkedAt">;

type ActiveAccount = Extract<AccountState, { status: "active" }>;

function linkRequested(account: { accountId: string; email: string }, link: LinkIssue, now: Date) {
  const data: LinkRequestedData = {
    accountId: account.accountId,
    recipient: account.email,
    token: link.token,
    tokenHash: link.tokenHash,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + link.lifetimeMs).toISOString(),
  };
  return data;
}

/** A presented link token is good when it is outstanding, for this purpose, and not yet expired. */
function isLinkUsable(state: ActiveAccount, tokenHash: string, purpose: LinkPurpose, now: Date): boolean {
  const link = Object.hasOwn(state.pendingLinks, tokenHash) ? state.pendingLinks[tokenHash] : undefined;
  return link !== undefined && link.purpose === purpose && now.getTime() < Date.parse(link.expiresAt);
}

function active(state: AccountState): ActiveAccount {
  if (state.status !== "active") throw new AccountNotFoundError();
  return state;
}

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  const { now } = command.meta;
  switch (command.type) {
    case "RegisterAccount": {
      if (state.status !== "absent") throw new AccountAlreadyRegisteredError(command.data.accountId);
      const { verification, ...account } = command.data;
      return [
        { type: "auth.account.registered", data: { ...account, registeredAt: now.toISOString() } },
        { type: "auth.email.verification_requested", data: linkRequested(account, verification, now) },
      ];
    }
    case "RequestPasswordReset": {
      const account = active(state);
      return [
        { type: "auth.password.reset_requested", data: linkRequested(account, command.data.link, now) },
      ];
    }
    case "ResetPassword": {
      if (state.status !== "active" || !isLinkUsable(state, command.data.tokenHash, "password-reset", now)) {
        throw new ResetTokenInvalidError();
      }
      return [
        {
          type: "auth.password.changed",
          data: {
            accountId: state.accountId,
            via: "reset",
            passwordHash: command.data.passwordHash,
            tokenHash: command.data.tokenHash,
            changedAt: now.toISOString(),
          },
        },
      ];
    }
    case "ChangePassword": {
      const account = active(state);
      return [
        {
          type: "auth.password.changed",
          data: {
            accountId: account.accountId,
            via: "change",
            passwordHash: command.data.passwordHash,
            changedAt: now.toISOString(),
          },
        },
      ];
    }
    case "VerifyEmail": {
      if (
        state.status !== "active" ||
        !isLinkUsable(state, command.data.tokenHash, "email-verification", now)
      ) {
        throw new VerificationTokenInvalidError();
      }
      return [
        {
          type: "auth.email.verified",
          data: {
            accountId: state.accountId,
            tokenHash: command.data.tokenHash,
            verifiedAt: now.toISOString(),
          },
        },
      ];
    }
    case "RegisterOAuthAccount":
      return registerOAuthAccount(command.data, state, now);
    case "LinkIdentity": {
      const account = active(state);
      const { identity, via } = command.data;
      if (account.identities.includes(identityKey(identity))) return [];
      // Pre-account-takeover defence: someone may have registered the victim's email before the
      // victim signs in with a provider. Only when both sides proved the email is it the same person.
      if (via === "verified-email" && !(identity.emailVerified && account.emailVerified)) {
        throw new OAuthLinkRequiredError();
      }
      return [identityLinked(account.accountId, identity, via, now)];
    }
    case "ConfirmEmailByProvider": {
      const account = active(state);
      const { identity } = command.data;
      // Only the linked identity's provider, only verified, only for the very address the account has.
      if (account.emailVerified || !identity.emailVerified) return [];
      if (!account.identities.includes(identityKey(identity))) return [];
      if (normalizedEmail(identity.email) !== normalizedEmail(account.email)) return [];
      return [
        {
          type: "auth.email.verified",
          data: { accountId: account.accountId, verifiedAt: now.toISOString() },
        },
      ];
    }
    case "ChangeEmailByProvider": {
      const account = active(state);
      const { identity } = command.data;
      const key = identityKey(identity);
      // Only the linked identity's provider, only an address it verified, only when it is another one.
      if (!identity.emailVerified || !account.identities.includes(key)) return [];
      if (normalizedEmail(identity.email) === normalizedEmail(account.email)) return [];
      return [
        {
          type: "auth.account.email_changed",
          data: {
            accountId: account.accountId,
            email: identity.email,
            identity: key,
            changedAt: now.toISOString(),
          },
        },
      ];
    }
    case "TakeProviderName": {
      const account = active(state);
      const key = identityKey(command.data.identity);
      // Only a change the provider made: a name the person set here stays until the provider renames them.
      if (!account.identities.includes(key) || account.providerNames[key] === command.data.displayName)
        return [];
      return [
        {
          type: "auth.account.name_changed",
          data: {
            accountId: account.accountId,
            displayName: command.data.displayName,
            identity: key,
            changedAt: now.toISOString(),
          },
        },
      ];
    }
    case "EraseAccount":
      if (state.status !== "active") return [];
      return [
        { type: "auth.account.erased", data: { accountId: state.accountId, erasedAt: now.toISOString() } },
      ];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function normalizedEmail(email: string): string {
  return email.normalize("NFC").toLowerCase();
}

function identityLinked(
  accountId: string,
  identity: ProviderIdentity,
  via: IdentityLinkedData["via"],
  now: Date,
): AccountEvent {
  return { type: "auth.identity.linked", data: { accountId, ...identity, via, linkedAt: now.toISOString() } };
}

/**
 * An account made for a provider identity: no password; the email counts as verified only when the
 * provider says so, otherwise a verification link goes out as at a password registration.
 */
function registerOAuthAccount(
  data: Extract<AccountCommand, { type: "RegisterOAuthAccount" }>["data"],
  state: AccountState,
  now: Date,
): AccountEvent[] {
  if (state.status !== "absent") throw new AccountAlreadyRegisteredError(data.accountId);
  const { accountId, identity } = data;
  const email = identity.email;
  if (email === undefined) throw new OAuthEmailRequiredError();
  const registered: AccountEvent = {
    type: "auth.account.registered",
    data: {
      accountId,
      email,
      ...(data.displayName === undefined ? {} : { displayName: data.displayName }),
      registeredAt: now.toISOString(),
    },
  };
  const verified: AccountEvent = identity.emailVerified
    ? { type: "auth.email.verified", data: { accountId, verifiedAt: now.toISOString() } }
    : {
        type: "auth.email.verification_requested",
        data: linkRequested({ accountId, email }, data.verification, now),
      };
  return [registered, identityLinked(accountId, identity, "sign-up", now), verified];
}

export const accountDecider = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: initialAccountState,
};
