import {
  type ChatwootContact,
  type ChatwootItem,
  chatwootContactAt,
  chatwootConversationRecord,
  conversationItemOf,
} from "./chatwoot.ts";
import { type ChatwootSettings, chatwootInstallation } from "./source-config.ts";

/**
 * How the connector reads an account incrementally without losing or doubling a row at a cursor
 * boundary (where `updated_at >= cursor` re-sends and `> cursor` loses the rows that share it).
 *
 * Chatwoot lists conversations newest activity first, by `last_activity_at` alone (ties in no
 * particular order), in pages by offset, with no "since" filter. So a run lists pages down to the
 * cursor less an overlap window, takes each conversation once (by display id, the stable id),
 * and commits in the opposite order: oldest first, by (activity, display id), a batch at a time,
 * each batch in one transaction with the compound cursor at its last conversation. After a crash
 * between batches the cursor says exactly which of the conversations sharing a timestamp are done
 * (display id at most the cursor's); the overlap re-reads the window below it, for rows Chatwoot
 * made visible late; per-conversation state (activity, `updated_at`) skips what is unchanged.
 */

/** The compound cursor: the last conversation committed, by (last activity in seconds, display id). */
export interface SyncCursor {
  readonly activityAt: number;
  readonly conversationId: number;
}

export function compareCursors(a: SyncCursor, b: SyncCursor): number {
  return a.activityAt - b.activityAt || a.conversationId - b.conversationId;
}

/** The later of two cursors: a run never moves a cursor back, even beside another run. */
export function laterCursor(a: SyncCursor | null, b: SyncCursor): SyncCursor {
  return a !== null && compareCursors(a, b) > 0 ? a : b;
}

/** A conversation as one listing page gave it. */
export interface ListedConversation {
  readonly conversationId: number;
  readonly inboxId: number | null;
  /** `last_activity_at` (or the older `timestamp`), whole seconds: what Chatwoot sorts by. */
  readonly activityAt: number;
  /** `updated_at` (fractional seconds) where Chatwoot gives it: it moves on any change, edits too. */
  readonly updatedAt: number | null;
  readonly item: ChatwootItem;
  readonly contact: ChatwootContact | null;
}

type Json = Record<string, unknown>;

const finite = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** Null for an entry without a display id or activity time: it cannot be placed under a cursor. */
export function listedConversation(accountId: number, entry: Json): ListedConversation | null {
  const record = chatwootConversationRecord(accountId, entry);
  const activity = finite(entry.last_activity_at) ?? finite(entry.timestamp);
  if (record === null || activity === null) return null;
  const meta = typeof entry.meta === "object" && entry.meta !== null ? entry.meta : {};
  return {
    conversationId: record.conversationId,
    inboxId: record.inboxId,
    activityAt: Math.floor(activity),
    updatedAt: finite(entry.updated_at),
    item: conversationItemOf(record),
    contact: "sender" in meta ? chatwootContactAt(meta.sender) : null,
  };
}

/** The lowest activity a run lists down to; none: the first run reads everything. */
export function listingFloor(cursor: SyncCursor | null, overlapSeconds: number): number {
  return cursor === null ? Number.NEGATIVE_INFINITY : cursor.activityAt - overlapSeconds;
}

/** Listing stops after an empty page, or one that reaches below the floor (newest first, so all later ones do). */
export function listingDone(page: readonly ListedConversation[], floor: number): boolean {
  return page.length === 0 || page.some((conversation) => conversation.activityAt < floor);
}

/**
 * What a run syncs, oldest first by (activity, display id): each conversation once (a page shift
 * can show one twice; the newest sighting wins), in the source's inboxes, at or above the floor.
 */
export function syncCandidates(
  listed: readonly ListedConversation[],
  settings: Pick<ChatwootSettings, "inboxIds">,
  floor: number,
): ListedConversation[] {
  const byId = new Map<number, ListedConversation>();
  for (const conversation of listed) {
    const seen = byId.get(conversation.conversationId);
    if (seen === undefined || conversation.activityAt >= seen.activityAt) {
      byId.set(conversation.conversationId, conversation);
    }
  }
  const inboxes = settings.inboxIds;
  return [...byId.values()]
    .filter((conversation) => conversation.activityAt >= floor)
    .filter(({ inboxId }) => inboxes === null || (inboxId !== null && inboxes.includes(inboxId)))
    .sort((a, b) => compareCursors(a, b));
}

/** Where a conversation's messages stand, as its last sync left them. */
export interface ConversationSyncState {
  readonly activityAt: number;
  readonly updatedAt: number | null;
  /** Its messages are read again after this id. */
  readonly messageAnchorId: number;
}

/**
 * Whether to read a conversation's messages: always without `updated_at` to compare (an edit
 * does not move `last_activity_at`), else when its activity or `updated_at` moved.
 */
export function needsMessages(listed: ListedConversation, known: ConversationSyncState | undefined): boolean {
  if (known === undefined || listed.updatedAt === null) return true;
  return listed.activityAt !== known.activityAt || listed.updatedAt !== known.updatedAt;
}

/** A message as the anchor needs it: its id and creation time (seconds). */
export interface MessageMark {
  readonly messageId: number;
  readonly createdAt: number | null;
}

/**
 * The id the next read of a conversation's messages starts after: the newest message older than
 * the overlap window before the newest one read, so edits and late arrivals inside the window are
 * read again (and found unchanged when they are). Never moves back.
 */
export function nextMessageAnchor(
  previous: number,
  read: readonly MessageMark[],
  overlapSeconds: number,
): number {
  const times = read.flatMap((message) => (message.createdAt === null ? [] : [message.createdAt]));
  if (times.length === 0) return previous;
  const windowStart = Math.max(...times) - overlapSeconds;
  const before = read.filter((message) => message.createdAt !== null && message.createdAt < windowStart);
  return Math.max(previous, ...before.map((message) => message.messageId));
}

/** What a cursor was taken under; a source pointed at another account or inbox list starts over. */
export function syncScope(settings: Pick<ChatwootSettings, "baseUrl" | "accountId" | "inboxIds">): string {
  const inboxes = settings.inboxIds === null ? "*" : settings.inboxIds.join(",");
  return `${chatwootInstallation(settings.baseUrl)}#${settings.accountId}:${inboxes}`;
}

/** The listings a run reads: one per inbox it is limited to, or one of the whole account. */
export function listingInboxes(settings: Pick<ChatwootSettings, "inboxIds">): (number | null)[] {
  return settings.inboxIds === null ? [null] : [...settings.inboxIds];
}

/** `Retry-After` in whole seconds from `now` (delta-seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(header: string | undefined, now: Date): number | null {
  if (header === undefined) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}
