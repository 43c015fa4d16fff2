import type { EncryptedLinkToken, LinkPurpose } from "@tessera/contracts";

/**
 * The account aggregate: one stream per account (`account-<id>`).
 * Stored events hold more than their published contracts: password hashes and link-token hashes
 * never leave `auth`.
 */
export type LinkRequestedData = {
  accountId: string;
  recipient: string;
  /** The raw token, encrypted for `outbound`. */
  token: EncryptedLinkToken;
  /** SHA-256 of the raw token: what a presented token is checked against. */
  tokenHash: string;
  requestedAt: string;
  expiresAt: string;
};

/** An identity at an OAuth/OIDC provider, keyed by `(issuer, subject)` and never by email. */
export type IdentityLinkedData = {
  accountId: string;
  /** The configured provider's name (`github`, `google`, …). */
  provider: string;
  issuer: string;
  subject: string;
  /** What the provider said about the email when the identity was linked. */
  email?: string;
  emailVerified: boolean;
  name?: string;
  /** `sign-up`: the account was made for it; `link`: a signed-in user asked; `verified-email`: auto-linked. */
  via: "sign-up" | "link" | "verified-email";
  linkedAt: string;
};

export type AccountEvent =
  | {
      type: "auth.account.registered";
      data: {
        accountId: string;
        email: string;
        /** For the profile, when given at sign-up. */
        displayName?: string;
        /** Absent for an account made by an OAuth sign-up: it has no password until a reset. */
        passwordHash?: string;
        registeredAt: string;
      };
    }
  | { type: "auth.email.verification_requested"; data: LinkRequestedData }
  | {
      type: "auth.email.verified";
      /** `tokenHash` for a verification link; absent when a provider vouched for the email at sign-up. */
      data: { accountId: string; tokenHash?: string; verifiedAt: string };
    }
  | { type: "auth.identity.linked"; data: IdentityLinkedData }
  | { type: "auth.account.erased"; data: { accountId: string; erasedAt: string } }
  | {
      type: "auth.account.email_changed";
      /** `identity`: the linked identity whose provider verified the new address (`issuer subject`). */
      data: { accountId: string; email: string; identity: string; changedAt: string };
    }
  | {
      type: "auth.account.name_changed";
      /** `identity`: the linked identity whose provider renamed the person (`issuer subject`). */
      data: { accountId: string; displayName: string; identity: string; changedAt: string };
    }
  | { type: "auth.password.reset_requested"; data: LinkRequestedData }
  | {
      type: "auth.password.changed";
      data: {
        accountId: string;
        via: "change" | "reset";
        passwordHash: string;
        /** The reset token used, for `via: "reset"`. */
        tokenHash?: string;
        changedAt: string;
      };
    };

/** An outstanding link token, by hash. */
export interface PendingLink {
  purpose: LinkPurpose;
  expiresAt: string;
}

export type AccountState =
  | { status: "absent" }
  | { status: "erased"; accountId: string }
  | {
      status: "active";
      accountId: string;
      /** `ERASED_PLACEHOLDER` when replayed after an erasure (the erasure event follows). */
      email: string;
      passwordHash: string | null;
      emailVerified: boolean;
      pendingLinks: Readonly<Record<string, PendingLink>>;
      /** Linked identities as `issuer subject`. */
      identities: readonly string[];
      /** The name each linked identity's provider last gave, by `issuer subject`. */
      providerNames: Readonly<Record<string, string>>;
    };

export function initialAccountState(): AccountState {
  return { status: "absent" };
}

function withoutLinks(
  links: Readonly<Record<string, PendingLink>>,
  purpose: LinkPurpose,
): Record<string, PendingLink> {
  return Object.fromEntries(Object.entries(links).filter(([, link]) => link.purpose !== purpose));
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === "auth.account.registered") {
    return {
      status: "active",
      accountId: event.data.accountId,
      email: event.data.email,
      passwordHash: event.data.passwordHash ?? null,
      emailVerified: false,
      pendingLinks: {},
      identities: [],
      providerNames: {},
    };
  }
  if (event.type === "auth.account.erased") return { status: "erased", accountId: event.data.accountId };
  if (state.status !== "active") return state;
  switch (event.type) {
    case "auth.email.verification_requested":
      return {
        ...state,
        pendingLinks: {
          ...state.pendingLinks,
          [event.data.tokenHash]: { purpose: "email-verification", expiresAt: event.data.expiresAt },
        },
      };
    case "auth.password.reset_requested":
      return {
        ...state,
        pendingLinks: {
          ...state.pendingLinks,
          [event.data.tokenHash]: { purpose: "password-reset", expiresAt: event.data.expiresAt },
        },
      };
    case "auth.email.verified":
      return {
        ...state,
        emailVerified: true,
        pendingLinks: withoutLinks(state.pendingLinks, "email-verification"),
      };
    case "auth.password.changed":
      // A new password, however it came, voids every outstanding reset link.
      return {
        ...state,
        passwordHash: event.data.passwordHash,
        pendingLinks: withoutLinks(state.pendingLinks, "password-reset"),
      };
    case "auth.identity.linked": {
      const key = identityKey(event.data);
      const { name } = event.data;
      return {
        ...state,
        identities: [...state.identities, key],
        providerNames: name === undefined ? state.providerNames : { ...state.providerNames, [key]: name },
      };
    }
    case "auth.account.email_changed":
      // The provider verified the new address; links sent to the old one are void.
      return {
        ...state,
        email: event.data.email,
        emailVerified: true,
        pendingLinks: withoutLinks(state.pendingLinks, "email-verification"),
      };
    case "auth.account.name_changed":
      return {
        ...state,
        providerNames: { ...state.providerNames, [event.data.identity]: event.data.displayName },
      };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function accountStreamId(accountId: string): string {
  return `account-${accountId}`;
}

export function identityKey(identity: { issuer: string; subject: string }): string {
  return `${identity.issuer} ${identity.subject}`;
}
