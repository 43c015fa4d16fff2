import { adminRolesGrant, adminRolesRevoke, EmailSchema, TesseraError } from "@tessera/contracts";
import {
  type Command,
  type CommandContext,
  CommandFailedError,
  type CommandInput,
  noMorePositionals,
  positional,
  UsageError,
} from "../command.ts";

function changeRole(action: "grant" | "revoke") {
  return async (input: CommandInput, context: CommandContext) => {
    const raw = positional(input, 0, "email");
    noMorePositionals(input, 1);
    const email = EmailSchema.safeParse(raw);
    if (!email.success) throw new UsageError(`not an email address: ${raw}`);
    const operation = action === "grant" ? adminRolesGrant : adminRolesRevoke;
    const remote = await context.remote();
    try {
      const result = await remote.request(operation, { email: email.data, role: "admin" });
      const who = `${result.email} (${result.userId})`;
      if (action === "grant") {
        context.print(
          result.changed ? `granted platform admin to ${who}` : `${who} already is a platform admin`,
        );
      } else {
        context.print(
          result.changed ? `revoked platform admin from ${who}` : `${who} was not a platform admin`,
        );
      }
    } catch (error) {
      if (error instanceof TesseraError && error.code === "user.not_found") {
        throw new CommandFailedError(`no user with the email ${email.data}`, { cause: error });
      }
      throw error;
    }
  };
}

/** `admin grant|revoke <email>`: the platform admin role, through the user service. */
export const adminCommands: readonly Command[] = [
  {
    name: "admin grant",
    args: "<email>",
    summary: "make the account with this email a platform admin",
    help: [
      "The user service records the change (svc.user.admin-roles.grant); the email's case does not matter.",
    ],
    run: changeRole("grant"),
  },
  {
    name: "admin revoke",
    args: "<email>",
    summary: "take the platform admin role from the account with this email",
    help: ["The user service records the change (svc.user.admin-roles.revoke)."],
    run: changeRole("revoke"),
  },
];
