import { opsOperations } from "@tessera/contracts";
import { type Command, noMorePositionals } from "../command.ts";
import { forEachService } from "./each-service.ts";

/** `migrations status`: applied and pending migrations per service. */
export const migrationCommands: readonly Command[] = [
  {
    name: "migrations status",
    args: "[<service>]",
    summary: "each service's migrations (its event store's and its own), applied or pending",
    help: [
      "Without a service, every service is asked; one that does not answer is a line on stderr (exit 1).",
      "Services migrate themselves at start, so a pending migration means a replica of an older version runs.",
    ],
    async run(input, context) {
      noMorePositionals(input, 1);
      const remote = await context.remote();
      await forEachService(
        input,
        0,
        context,
        (service) => remote.request(opsOperations(service).migrationsList, {}),
        (service, list) => {
          const pending = list.items.filter((item) => item.executedAt === null).length;
          context.print(
            `${service} (schema ${list.schema}): ${list.items.length - pending} applied, ${pending} pending`,
          );
          for (const item of list.items) {
            const state = item.executedAt === null ? "pending".padEnd(24) : item.executedAt;
            context.print(`  ${state}  ${item.set.padEnd(10)}  ${item.name}`);
          }
        },
      );
    },
  },
];
