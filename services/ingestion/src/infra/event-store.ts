import { eventStores, type PersonalDataPolicy } from "@tessera/eventstore";
import { identitySubject } from "../domain/identity.ts";

export const INGESTION_SCHEMA = "ingestion";

/**
 * The personal-data subject of what a Chatwoot contact wrote through one source: a key per
 * (source, contact), since contact ids are only unique in one account of one installation.
 */
export function chatwootContactSubject(sourceId: string, contactId: number): string {
  return `chatwoot-contact:${sourceId}:${contactId}`;
}

/**
 * A contact's email in `ingestion.message.received` is sealed under the contact's key, an identity's
 * email and name in `ingestion.identity.changed` under the identity's. Nothing else in the store is
 * personal: sources are the project's, and items' bodies live beside the events (deleted with their
 * source), never in them.
 */
const ingestionPersonalData: PersonalDataPolicy = (event) => {
  const data: unknown = event.data;
  if (typeof data !== "object" || data === null) return undefined;
  if (event.type === "ingestion.identity.changed") {
    const issuer = "issuer" in data ? data.issuer : undefined;
    const subject = "subject" in data ? data.subject : undefined;
    if (typeof issuer !== "string" || typeof subject !== "string") return undefined;
    return { subjectId: identitySubject(issuer, subject), fields: ["email", "name"] };
  }
  if (event.type !== "ingestion.message.received") return undefined;
  const sourceId = "sourceId" in data ? data.sourceId : undefined;
  const contactId = "contactId" in data ? data.contactId : undefined;
  if (typeof sourceId !== "string" || typeof contactId !== "number") return undefined;
  return { subjectId: chatwootContactSubject(sourceId, contactId), fields: ["contactEmail"] };
};

export const ingestionStores = eventStores({ schema: INGESTION_SCHEMA, personalData: ingestionPersonalData });
