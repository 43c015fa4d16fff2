import { signingKeysRotate } from "@tessera/contracts";
import { type Command, noMorePositionals } from "../command.ts";

/** `keys rotate`: a new token signing key now (decision 0018). */
export const keyCommands: readonly Command[] = [
  {
    name: "keys rotate",
    args: "",
    summary: "make a new token signing key now and retire the active ones",
    help: [
      "The new key is shared in the JWKS at once and signs once every replica has it; retired keys keep",
      "verifying the tokens they signed until those expire (decision 0018).",
    ],
    async run(input, context) {
      noMorePositionals(input, 0);
      const remote = await context.remote();
      const rotated = await remote.request(signingKeysRotate, {});
      const retired = rotated.retired.length === 0 ? "none" : rotated.retired.join(", ");
      context.print(
        `made signing key ${rotated.kid}; it signs from ${rotated.signsFrom}; retired: ${retired}`,
      );
    },
  },
];
