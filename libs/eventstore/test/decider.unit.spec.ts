import { ConflictError } from "@tessera/contracts";
import { type Decider, given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";

type CounterEvent =
  | { type: "test.counter.opened"; data: { limit: number } }
  | { type: "test.counter.incremented"; data: { by: number } };
type CounterCommand = { type: "open"; limit: number } | { type: "increment"; by: number };
type CounterState = { status: "none" } | { status: "open"; value: number; limit: number };

class CounterLimitError extends ConflictError {
  override name = "CounterLimitError";
  constructor() {
    super("test.counter.limit", "The counter would pass its limit.");
  }
}

const counter: Decider<CounterCommand, CounterEvent, CounterState> = {
  initialState: () => ({ status: "none" }),
  decide(command, state) {
    switch (command.type) {
      case "open":
        return state.status === "none"
          ? [{ type: "test.counter.opened", data: { limit: command.limit } }]
          : [];
      case "increment":
        if (state.status !== "open" || state.value + command.by > state.limit) throw new CounterLimitError();
        return [{ type: "test.counter.incremented", data: { by: command.by } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case "test.counter.opened":
        return { status: "open", value: 0, limit: event.data.limit };
      case "test.counter.incremented":
        return state.status === "open" ? { ...state, value: state.value + event.data.by } : state;
    }
  },
};

const opened: CounterEvent = { type: "test.counter.opened", data: { limit: 3 } };

describe("given/when/then", () => {
  it("passes when the command decides the expected events and returns the next state", () => {
    const { state } = given(counter, [opened])
      .when({ type: "increment", by: 2 })
      .then([{ type: "test.counter.incremented", data: { by: 2 } }]);
    expect(state).toEqual({ status: "open", value: 2, limit: 3 });
  });

  it("fails with a diff when the decided events differ", () => {
    expect(() =>
      given(counter, [opened])
        .when({ type: "increment", by: 1 })
        .then([{ type: "test.counter.incremented", data: { by: 2 } }]),
    ).toThrow(/Expected values to be strictly deep-equal/);
  });

  it("returns the typed domain error a command throws", () => {
    const error = given(counter, [opened, { type: "test.counter.incremented", data: { by: 3 } }])
      .when({ type: "increment", by: 1 })
      .thenThrows(CounterLimitError);
    expect(error.code).toBe("test.counter.limit");
  });

  it("fails when a command that should throw decides events instead", () => {
    expect(() =>
      given(counter, [opened]).when({ type: "increment", by: 1 }).thenThrows(CounterLimitError),
    ).toThrow(/expected CounterLimitError but the command decided 1 event/);
  });

  it("fails when a command throws a different error than expected", () => {
    expect(() => given(counter, []).when({ type: "increment", by: 1 }).thenThrows(TypeError)).toThrow(
      /expected TypeError but CounterLimitError/,
    );
  });

  it("treats an empty decision as no events", () => {
    given(counter, [opened]).when({ type: "open", limit: 5 }).then([]);
  });
});
