/**
 * The account aggregate: one stream per account (`account-<id>`).
 * Stored events may hold more than their published contract (the password hash never leaves `auth`).
 */
export type AccountEvent = {
  type: "auth.account.registered";
  data: { accountId: string; email: string; passwordHash: string; registeredAt: string };
};

export type AccountState =
  | { status: "absent" }
  | { status: "active"; accountId: string; email: string; passwordHash: string };

export function initialAccountState(): AccountState {
  return { status: "absent" };
}

export function evolveAccount(_state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case "auth.account.registered":
      return {
        status: "active",
        accountId: event.data.accountId,
        email: event.data.email,
        passwordHash: event.data.passwordHash,
      };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function accountStreamId(accountId: string): string {
  return `account-${accountId}`;
}
