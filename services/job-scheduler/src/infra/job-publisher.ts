import type { JetStreamClient } from "@nats-io/jetstream";
import { type BusNames, headersFromContext } from "@tessera/bus";
import type { JobMessage, JobTypeDefinition, MessageContext } from "@tessera/contracts";

/** Puts a run on `job.<service>.<type>`; the id `<runId>:<generation>` lets JetStream drop a repeat. */
export interface JobPublisher {
  publish(type: JobTypeDefinition, message: JobMessage, ctx: Partial<MessageContext>): Promise<void>;
}

export function createJobPublisher(js: JetStreamClient, names: BusNames): JobPublisher {
  return {
    async publish(type, message, ctx) {
      await js.publish(names.subject(type.subject), JSON.stringify(message), {
        msgID: `${message.runId}:${message.generation}`,
        headers: headersFromContext(ctx),
      });
    },
  };
}
