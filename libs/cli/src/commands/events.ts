import { opsOperations } from "@tessera/contracts";
import { type Command, noMorePositionals, opsService, stringOption, UsageError } from "../command.ts";

/** Republishing reads the store from the position on: give it time, in ms. */
const REPUBLISH_TIMEOUT_MS = 30 * 60_000;

/** `events republish`: a service's stored events sent to the bus again. */
export const eventCommands: readonly Command[] = [
  {
    name: "events republish",
    args: "<service> --from <position>",
    summary: "publish a service's stored events again, from a global position on",
    help: [
      "For when JetStream lost events it had acknowledged (a stream restored from an old backup, say).",
      "Each copy keeps its event id, so consumers that handle an event once (processed events) skip",
      "what they already saw; JetStream stores the copies even right after the first ones.",
      "  --from N   the first global position to send again (inclusive)",
    ],
    options: { from: { type: "string" } },
    async run(input, context) {
      const service = opsService(input, 0);
      noMorePositionals(input, 1);
      const from = stringOption(input, "from");
      if (from === undefined || !/^\d{1,19}$/.test(from)) {
        throw new UsageError("--from must be a global position (a whole number)");
      }
      const remote = await context.remote();
      const result = await remote.request(
        opsOperations(service).eventsRepublish,
        { fromPosition: from },
        { timeoutMs: REPUBLISH_TIMEOUT_MS },
      );
      const privately = result.read - result.published;
      context.print(
        `republished ${result.published} event(s) of ${service} from position ${from}` +
          (privately > 0 ? ` (${privately} more stay private: they have no contract)` : ""),
      );
    },
  },
];
