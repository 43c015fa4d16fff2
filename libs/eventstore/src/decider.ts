import type { EventMetadata } from "@tessera/contracts";
import { ExpectedVersionConflictError } from "./errors.ts";
import type { EventLike, StoredEvent } from "./events.ts";
import type { AnyDb, AnyTransaction } from "./schema.ts";
import { sleep } from "./schema.ts";
import type { EventStore, InlineProjection } from "./store.ts";

/**
 * The write side of an aggregate, pure: `decide` turns a command into events (or throws a typed
 * domain error), `evolve` folds an event into the state.
 */
export interface Decider<C, E extends EventLike, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

export interface HandleCommandOptions<E extends EventLike> {
  inline?: readonly InlineProjection<E>[];
  metadata?: EventMetadata;
  /** How many times a version conflict is retried from a fresh read. @default 3 */
  retries?: number;
}

export interface CommandResult<E extends EventLike, S> {
  /** The appended events; empty when the command decided nothing. */
  events: StoredEvent<E>[];
  /** The state after the appended events. */
  state: S;
  /** The stream version after the append. */
  version: number;
}

/**
 * Load → fold → decide → append with the version that was read. Only a version conflict is retried
 * (the command is decided again on the newer state); domain errors and inline projection failures
 * reach the caller unchanged.
 */
export async function handleCommand<C, E extends EventLike, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  options: HandleCommandOptions<E> = {},
): Promise<CommandResult<E, S>> {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await decideAndAppend(store, decider, streamId, command, options);
    } catch (error) {
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= retries) throw error;
      // A little jitter so writers that collided do not collide again in lockstep.
      await sleep(Math.random() * 5 * (attempt + 1));
    }
  }
}

/** One aggregate's `handleCommand`, wired once: its store factory, decider, stream and inline projections. */
export interface CommandRunnerOptions<C, E extends EventLike, S> {
  /** The service's event store factory (`stores.on(db)`), so a runner works on the pool or a transaction. */
  stores: { on(db: AnyDb | AnyTransaction): EventStore };
  decider: Decider<C, E, S>;
  /** The stream a command targets. */
  streamId: (command: C) => string;
  /** Read-model updates committed with the events. */
  inline?: readonly InlineProjection<E>[];
}

/**
 * `run(db, command, metadata)`: load → decide → append on the command's stream, on `db` (the pool
 * or the caller's transaction), with the aggregate's inline projections in the same transaction.
 */
export function commandRunner<C, E extends EventLike, S>(
  options: CommandRunnerOptions<C, E, S>,
): (db: AnyDb | AnyTransaction, command: C, metadata: EventMetadata) => Promise<CommandResult<E, S>> {
  const { stores, decider, streamId, inline } = options;
  return (db, command, metadata) =>
    handleCommand(stores.on(db), decider, streamId(command), command, {
      ...(inline ? { inline } : {}),
      metadata,
    });
}

async function decideAndAppend<C, E extends EventLike, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  options: HandleCommandOptions<E>,
): Promise<CommandResult<E, S>> {
  const { events: history, version } = await store.readStream<E>(streamId);
  const state = history.reduce((current, event) => decider.evolve(current, event), decider.initialState());
  const decided = decider.decide(command, state);
  if (decided.length === 0) return { events: [], state, version };
  const appended = await store.append<E>(streamId, decided, {
    expectedVersion: version,
    metadata: options.metadata,
    inline: options.inline,
  });
  const next = appended.events.reduce((current, event) => decider.evolve(current, event), state);
  return { events: appended.events, state: next, version: appended.version };
}
