import { AssertionError, deepStrictEqual } from "node:assert/strict";
import type { Decider } from "./decider.ts";
import type { EventLike } from "./events.ts";

export interface DeciderScenario<C, E extends EventLike, S> {
  when(command: C): DeciderExpectation<E, S>;
}

export interface DeciderExpectation<E extends EventLike, S> {
  /** Asserts the decided events (deep equality); returns them with the state they lead to. */
  then(expected: readonly E[]): { events: E[]; state: S };
  /** Asserts that deciding throws an instance of `errorClass`; returns that error. */
  // biome-ignore lint/suspicious/noExplicitAny: any error constructor, whatever its parameters
  thenThrows<T extends Error>(errorClass: new (...args: any[]) => T): T;
}

/**
 * given(decider, history).when(command).then(events): a decider test without a database or a
 * test framework. Failures are `AssertionError`s, which every runner reports with a diff.
 */
export function given<C, E extends EventLike, S>(
  decider: Decider<C, E, S>,
  history: readonly E[],
): DeciderScenario<C, E, S> {
  const state = history.reduce((current, event) => decider.evolve(current, event), decider.initialState());
  return {
    when(command) {
      return {
        // biome-ignore lint/suspicious/noThenProperty: the given/when/then vocabulary is the point
        then(expected) {
          if (typeof expected === "function") {
            throw new TypeError(
              "given().when() is not a promise: call .then(expectedEvents), do not await it",
            );
          }
          const events = decider.decide(command, state);
          deepStrictEqual(events, expected);
          const next = events.reduce((current, event) => decider.evolve(current, event), state);
          return { events, state: next };
        },
        thenThrows(errorClass) {
          let events: E[];
          try {
            events = decider.decide(command, state);
          } catch (error) {
            if (error instanceof errorClass) return error;
            throw new AssertionError({
              message: `expected ${errorClass.name} but ${describe(error)} was thrown`,
              actual: error,
              expected: errorClass,
            });
          }
          throw new AssertionError({
            message: `expected ${errorClass.name} but the command decided ${events.length} event(s)`,
            actual: events,
            expected: errorClass,
          });
        },
      };
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
