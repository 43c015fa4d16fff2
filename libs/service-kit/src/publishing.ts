import type { EventPublisher as BusPublisher } from "@tessera/bus";
import type { EventDefinition, EventEnvelope } from "@tessera/contracts";
import type { EventPublisher, PublishedCopy } from "@tessera/eventstore";
import type { Logger } from "./logger.ts";

/**
 * A producer validates before it sends: each stored event is published only through its contract,
 * whose schema also strips what must stay inside the service (a password hash, a token hash).
 * Events without a contract are private and are marked published without leaving Postgres.
 */
export function contractPublisher(
  publisher: BusPublisher,
  contracts: readonly EventDefinition[],
  logger: Logger,
): EventPublisher {
  const byType = new Map(contracts.map((contract) => [`${contract.type}@${contract.version}`, contract]));
  return {
    async publish(envelope: EventEnvelope): Promise<PublishedCopy | undefined> {
      const contract = byType.get(`${envelope.type}@${envelope.version}`);
      if (!contract) return undefined;
      const parsed = contract.data.safeParse(envelope.data);
      if (!parsed.success) {
        logger.error(
          { eventId: envelope.eventId, type: envelope.type, issues: parsed.error.issues },
          "stored event does not match its contract",
        );
        throw parsed.error;
      }
      return publisher.publish({ ...envelope, data: parsed.data });
    },
  };
}
