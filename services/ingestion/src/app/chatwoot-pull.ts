import type { MessageContext } from "@tessera/contracts";
import type { Transaction } from "kysely";
import {
  CHATWOOT_ITEM_CONTENT_TYPE,
  type ChatwootItem,
  chatwootContactAt,
  chatwootItemBody,
  chatwootMessageItem,
  incomingMessageFacts,
} from "../domain/chatwoot.ts";
import { ChatwootRequestError } from "../domain/chatwoot-errors.ts";
import {
  type ConversationSyncState,
  inBatches,
  type ListedConversation,
  laterCursor,
  listedConversation,
  listingDone,
  listingFloor,
  listingInboxes,
  type MessageMark,
  needsMessages,
  nextMessageAnchor,
  type SyncCursor,
  syncCandidates,
} from "../domain/chatwoot-sync.ts";
import type { ChatwootSettings } from "../domain/source-config.ts";
import type { ChatwootApi } from "../infra/chatwoot-api.ts";
import { holdHookTarget } from "../infra/sources.ts";
import type { SyncDb } from "../infra/sync.tables.ts";
import {
  conversationStates,
  lockCursor,
  type SyncSource,
  saveConversationState,
  saveCursor,
} from "../infra/sync-state.ts";
import { type IncomingItem, type RecordOutcome, recordItemIn } from "./record-item.ts";
import type { SyncDeps } from "./sync-deps.ts";

/** Pages one listing may take; beyond it the answer is taken for a loop, not an account. */
const MAX_LISTING_PAGES = 100_000;

/** One run of one source, as the pull reads it. */
export interface PullRun {
  readonly ref: SyncSource;
  readonly source: IncomingItem["source"];
  readonly settings: ChatwootSettings;
  readonly api: ChatwootApi;
  readonly signal: AbortSignal;
  /** The request that queued the run: its id and trace go on every event. */
  readonly message: MessageContext;
}

/** Items that were new or changed (repeats are not counted). */
export interface PullTotals {
  conversations: number;
  messages: number;
}

/**
 * Lists the conversations down to the cursor less the overlap, then syncs them oldest first, a
 * batch per transaction with the cursor it reaches. "gone": the source was deleted meanwhile.
 */
export async function pullConversations(
  deps: SyncDeps,
  run: PullRun,
  cursor: SyncCursor | null,
): Promise<PullTotals | "gone"> {
  const floor = listingFloor(cursor, deps.sync.overlapSeconds);
  const listed: ListedConversation[] = [];
  for (const inboxId of listingInboxes(run.settings)) listed.push(...(await listDown(run, inboxId, floor)));
  const totals: PullTotals = { conversations: 0, messages: 0 };
  for (const batch of inBatches(syncCandidates(listed, run.settings, floor), deps.sync.batchSize)) {
    const done = await syncBatch(deps, run, batch);
    if (done === "gone") return "gone";
    totals.conversations += done.conversations;
    totals.messages += done.messages;
  }
  return totals;
}

/** Newest activity first, page after page, until a page reaches below the floor (or is empty). */
async function listDown(run: PullRun, inboxId: number | null, floor: number): Promise<ListedConversation[]> {
  const listed: ListedConversation[] = [];
  for (let page = 1; page <= MAX_LISTING_PAGES; page++) {
    const { conversations } = await run.api.conversations(page, inboxId, run.signal);
    const parsed = conversations.flatMap((entry) => listedConversation(run.settings.accountId, entry) ?? []);
    listed.push(...parsed);
    if (conversations.length === 0 || listingDone(parsed, floor)) return listed;
  }
  throw new ChatwootRequestError("malformed", `Chatwoot listed more than ${MAX_LISTING_PAGES} pages.`);
}

/** A conversation as listed, with the messages read after its anchor and the anchor they lead to. */
interface ConversationRead {
  readonly listed: ListedConversation;
  readonly messages: readonly ChatwootItem[];
  readonly anchor: number;
}

/** Reads first (no transaction held across requests to Chatwoot), then commits the batch at once. */
async function syncBatch(
  deps: SyncDeps,
  run: PullRun,
  batch: readonly ListedConversation[],
): Promise<PullTotals | "gone"> {
  const known = await conversationStates(
    deps.db,
    run.ref,
    batch.map((listed) => listed.conversationId),
  );
  const reads: ConversationRead[] = [];
  for (const listed of batch) {
    reads.push(await readConversation(deps, run, listed, known.get(listed.conversationId)));
  }
  const last = batch.at(-1);
  if (last === undefined) return { conversations: 0, messages: 0 };
  return deps.db.transaction().execute(async (trx) => {
    // The source first, then the cursor: the order a deletion takes them in.
    if (!(await holdHookTarget(trx, run.ref.sourceId))) return "gone";
    const locked = await lockCursor(trx, run.ref);
    if (locked === undefined) return "gone";
    const totals: PullTotals = { conversations: 0, messages: 0 };
    // The source is held: every item below finds it (none is "gone").
    for (const read of reads) {
      if ((await keep(trx, deps, run, read.listed.item)) === "recorded") totals.conversations++;
      for (const message of read.messages) {
        if ((await keep(trx, deps, run, message)) === "recorded") totals.messages++;
      }
      await saveConversationState(trx, run.ref, read.listed.conversationId, {
        activityAt: read.listed.activityAt,
        updatedAt: read.listed.updatedAt,
        messageAnchorId: read.anchor,
      });
    }
    await saveCursor(trx, run.ref, laterCursor(locked.cursor, last), deps.clock());
    return totals;
  });
}

/**
 * The conversation's messages after its anchor, 'after' page by 'after' page until Chatwoot has
 * none newer. Unchanged since its last sync (same activity and `updated_at`): none are read.
 */
async function readConversation(
  deps: SyncDeps,
  run: PullRun,
  listed: ListedConversation,
  known: ConversationSyncState | undefined,
): Promise<ConversationRead> {
  const anchor = known?.messageAnchorId ?? 0;
  if (!needsMessages(listed, known)) return { listed, messages: [], anchor };
  const byId = new Map<number, ChatwootItem>();
  for (let after = anchor; ; ) {
    const page = await run.api.messages(listed.conversationId, after, run.signal);
    const contact = chatwootContactAt(page.contact) ?? listed.contact;
    let newest = after;
    for (const entry of page.messages) {
      // Chatwoot's list names the conversation; where it does not, the listing did.
      const message = { conversation_id: listed.conversationId, ...entry };
      const item = chatwootMessageItem(run.settings.accountId, message, contact);
      if (item === null || !("messageId" in item.record)) continue;
      byId.set(item.record.messageId, item);
      newest = Math.max(newest, item.record.messageId);
    }
    if (newest <= after) break;
    after = newest;
  }
  const messages = [...byId.values()].sort((a, b) => messageIdOf(a) - messageIdOf(b));
  const marks: MessageMark[] = messages.map((item) => ({
    messageId: messageIdOf(item),
    createdAt: item.record.createdAt,
  }));
  return { listed, messages, anchor: nextMessageAnchor(anchor, marks, deps.sync.overlapSeconds) };
}

function messageIdOf(item: ChatwootItem): number {
  return "messageId" in item.record ? item.record.messageId : 0;
}

function keep(
  trx: Transaction<SyncDb>,
  deps: SyncDeps,
  run: PullRun,
  item: ChatwootItem,
): Promise<RecordOutcome> {
  return recordItemIn(
    trx,
    deps,
    {
      source: run.source,
      externalId: item.externalId,
      kind: item.kind,
      contentType: CHATWOOT_ITEM_CONTENT_TYPE,
      body: chatwootItemBody(item),
      headers: {},
      deliveryId: null,
      incoming: incomingMessageFacts(item),
    },
    run.message,
  );
}
