import { describe, expect, it } from "vitest";
import { type AccountEvent, evolveAccount, initialAccountState } from "../src/domain/account.ts";
import { type AccountCommand, decideAccount } from "../src/domain/decide.ts";
import { AccountAlreadyRegisteredError } from "../src/domain/errors.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const accountId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";

function given(events: AccountEvent[]) {
  const state = events.reduce(evolveAccount, initialAccountState());
  return { when: (command: AccountCommand) => () => decideAccount(command, state) };
}

const register: AccountCommand = {
  type: "RegisterAccount",
  data: { accountId, email: "Ada@Example.com", passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" },
  meta: { now },
};

describe("account decider", () => {
  it("registers a new account with the time from the command", () => {
    expect(given([]).when(register)()).toEqual([
      {
        type: "auth.account.registered",
        data: { ...register.data, registeredAt: "2026-11-21T12:00:00.000Z" },
      },
    ]);
  });

  it("refuses to register the same account twice", () => {
    const registered = given([]).when(register)();
    expect(given(registered).when(register)).toThrow(AccountAlreadyRegisteredError);
  });

  it("keeps the email as typed and the hash in the state after registration", () => {
    const state = given([]).when(register)().reduce(evolveAccount, initialAccountState());
    expect(state).toEqual({
      status: "active",
      accountId,
      email: "Ada@Example.com",
      passwordHash: register.data.passwordHash,
    });
  });
});
