import type { AccountEvent, AccountState } from "./account.ts";
import { evolveAccount, initialAccountState } from "./account.ts";
import { AccountAlreadyRegisteredError } from "./errors.ts";

export interface CommandMeta {
  /** The moment the command is handled, from the handler's clock. */
  now: Date;
}

export type AccountCommand = {
  type: "RegisterAccount";
  data: { accountId: string; email: string; passwordHash: string };
  meta: CommandMeta;
};

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case "RegisterAccount": {
      if (state.status !== "absent") throw new AccountAlreadyRegisteredError(command.data.accountId);
      return [
        {
          type: "auth.account.registered",
          data: { ...command.data, registeredAt: command.meta.now.toISOString() },
        },
      ];
    }
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export const accountDecider = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: initialAccountState,
};
