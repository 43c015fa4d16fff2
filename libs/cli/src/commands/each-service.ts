import { OPS_SERVICES, type OpsServiceName } from "@tessera/contracts";
import { type CommandContext, CommandFailedError, type CommandInput, opsService } from "../command.ts";
import { describeFailure } from "../remote.ts";

/**
 * The service named at `index`, or every ops service when none is: asked at once, printed in the
 * order of OPS_SERVICES. A service that fails is one line on stderr (exit 1); the others still print.
 */
export async function forEachService<T>(
  input: CommandInput,
  index: number,
  context: CommandContext,
  ask: (service: OpsServiceName) => Promise<T>,
  print: (service: OpsServiceName, answer: T) => void,
): Promise<void> {
  const services = input.positionals[index] === undefined ? OPS_SERVICES : [opsService(input, index)];
  const answers = await Promise.allSettled(services.map((service) => ask(service)));
  answers.forEach((answer, position) => {
    const service = services[position];
    if (service === undefined) return;
    if (answer.status === "fulfilled") print(service, answer.value);
    else if (answer.reason instanceof CommandFailedError) context.printFailure(answer.reason.message);
    else context.printFailure(`${service}: ${describeFailure(answer.reason)}`);
  });
}
