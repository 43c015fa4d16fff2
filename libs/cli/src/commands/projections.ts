import { opsOperations } from "@tessera/contracts";
import { type Command, noMorePositionals, opsService, positional } from "../command.ts";

/** A rebuild replays the whole store: give it time, in ms. */
const REBUILD_TIMEOUT_MS = 30 * 60_000;

/** `projection list|rebuild`: a service's read models, replayed from its events. */
export const projectionCommands: readonly Command[] = [
  {
    name: "projection list",
    args: "<service>",
    summary: "the read models a service can rebuild from its events",
    async run(input, context) {
      const service = opsService(input, 0);
      noMorePositionals(input, 1);
      const remote = await context.remote();
      const { items } = await remote.request(opsOperations(service).projectionsList, {});
      if (items.length === 0) context.print(`${service} has no rebuildable projection`);
      for (const { name } of items) context.print(name);
    },
  },
  {
    name: "projection rebuild",
    args: "<service> <name>",
    summary: "empty a read model and replay every event of the service into it",
    help: [
      "Queries see a partial read model while it replays; the service keeps taking writes. It answers",
      "once the read model has caught up with every event committed before the command (waits up to 30 min).",
    ],
    async run(input, context) {
      const service = opsService(input, 0);
      const name = positional(input, 1, "projection name (see projection list)");
      noMorePositionals(input, 2);
      const remote = await context.remote();
      const result = await remote.request(
        opsOperations(service).projectionsRebuild,
        { name },
        { timeoutMs: REBUILD_TIMEOUT_MS },
      );
      context.print(
        `rebuilt ${result.name} of ${service}: ${result.replayed} event(s) replayed in ${result.tookMs} ms`,
      );
    },
  },
];
