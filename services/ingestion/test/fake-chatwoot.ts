import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * A Chatwoot account's application API as the connector reads it, in the shapes Chatwoot's views
 * render (`conversations/index.json.jbuilder`, `messages/index.json.jbuilder`): conversations
 * newest activity first by `last_activity_at` alone — ties in an order of their own, not by id —
 * in offset pages; messages `after=<id>` ordered by creation, at most 100 at a time. Tests change
 * it between requests and inject failures with `intercept`.
 */

export interface FakeContact {
  readonly id: number;
  readonly email: string | null;
  readonly name: string;
}

export interface FakeMessage {
  readonly id: number;
  content: string;
  /** 0 incoming (the contact), 1 outgoing (an agent), 2 activity. */
  readonly messageType: number;
  readonly createdAt: number;
  readonly private: boolean;
}

export interface FakeConversation {
  readonly id: number;
  readonly inboxId: number;
  readonly contact: FakeContact;
  lastActivityAt: number;
  /** Fractional seconds; moves on every change (Chatwoot touches the conversation on a message edit). */
  updatedAt: number;
  status: string;
  /** Where it sits among conversations of equal activity: Chatwoot orders ties by no key of ours. */
  readonly tieRank: number;
  readonly messages: FakeMessage[];
}

/** What a test answers instead of the API: a status, headers and a body, after a delay. */
export interface FakeReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
}

export interface FakeRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly token: string | undefined;
  /** `Date.now()` when it arrived. */
  readonly at: number;
}

export interface FakeChatwoot {
  readonly url: string;
  /** `127.0.0.1:<port>`, for `EGRESS_ALLOW_HOSTS`. */
  readonly hostPort: string;
  readonly accountId: number;
  readonly token: string;
  readonly requests: FakeRequest[];
  /** Answers a request instead of the API when it returns a reply. */
  intercept: ((request: FakeRequest) => FakeReply | undefined) | null;
  addConversation(spec: { inboxId: number; activityAt: number; contact?: FakeContact }): FakeConversation;
  /** A message now: the conversation's activity and `updated_at` move to it. */
  addMessage(
    conversation: FakeConversation,
    spec: { messageType: number; content: string; createdAt?: number; private?: boolean },
  ): FakeMessage;
  /** An edit: the content changes, the conversation's `updated_at` moves, its activity does not. */
  editMessage(conversation: FakeConversation, messageId: number, content: string): void;
  stop(): Promise<void>;
}

/** Chatwoot's page size for conversation lists. */
const PAGE_SIZE = 25;
/** What `after=` returns at most. */
const MESSAGES_AFTER_LIMIT = 100;

export async function startFakeChatwoot(options: {
  accountId: number;
  token: string;
}): Promise<FakeChatwoot> {
  const conversations: FakeConversation[] = [];
  const requests: FakeRequest[] = [];
  let nextConversationId = 1;
  let nextMessageId = 1_000;
  let nextContactId = 500;
  // A fixed but scrambled order for ties (a multiplicative hash of the display id).
  const rank = (id: number) => (id * 2_654_435_761) % 4_294_967_296;

  const fake: FakeChatwoot = {
    url: "",
    hostPort: "",
    accountId: options.accountId,
    token: options.token,
    requests,
    intercept: null,
    addConversation(spec) {
      const id = nextConversationId++;
      const contactId = nextContactId++;
      const conversation: FakeConversation = {
        id,
        inboxId: spec.inboxId,
        contact: spec.contact ?? {
          id: contactId,
          email: `contact${contactId}@example.com`,
          name: `C${contactId}`,
        },
        lastActivityAt: spec.activityAt,
        updatedAt: spec.activityAt + 0.25,
        status: "open",
        tieRank: rank(id),
        messages: [],
      };
      conversations.push(conversation);
      return conversation;
    },
    addMessage(conversation, spec) {
      const createdAt = spec.createdAt ?? conversation.lastActivityAt;
      const message: FakeMessage = {
        id: nextMessageId++,
        content: spec.content,
        messageType: spec.messageType,
        createdAt,
        private: spec.private ?? false,
      };
      conversation.messages.push(message);
      conversation.lastActivityAt = Math.max(conversation.lastActivityAt, createdAt);
      conversation.updatedAt = Math.max(conversation.updatedAt, createdAt) + 0.5;
      return message;
    },
    editMessage(conversation, messageId, content) {
      const message = conversation.messages.find((candidate) => candidate.id === messageId);
      if (!message) throw new Error(`no message ${messageId}`);
      message.content = content;
      conversation.updatedAt += 1.125;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };

  const server = createServer((req, res) => {
    void handle(fake, conversations, req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the fake Chatwoot has no port");
  const { port } = address;
  return Object.assign(fake, { url: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}` });
}

async function handle(
  fake: FakeChatwoot,
  conversations: FakeConversation[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake");
  const token = req.headers.api_access_token;
  const request: FakeRequest = {
    path: url.pathname,
    query: url.searchParams,
    token: typeof token === "string" ? token : undefined,
    at: Date.now(),
  };
  fake.requests.push(request);
  const reply = fake.intercept?.(request) ?? answer(fake, conversations, request);
  if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  if (res.destroyed) return;
  res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
  res.end(reply.body ?? "");
}

const json = (status: number, body: unknown): FakeReply => ({ status, body: JSON.stringify(body) });

function answer(fake: FakeChatwoot, conversations: FakeConversation[], request: FakeRequest): FakeReply {
  if (request.token !== fake.token) return json(401, { error: "Invalid Access Token" });
  const prefix = `/api/v1/accounts/${fake.accountId}/conversations`;
  if (request.path === prefix) return listConversations(fake, conversations, request.query);
  const match = new RegExp(`^${prefix}/(\\d+)/messages$`).exec(request.path);
  const conversation = match && conversations.find((candidate) => candidate.id === Number(match[1]));
  if (conversation) return listMessages(fake, conversation, Number(request.query.get("after") ?? 0));
  return json(404, { error: "Resource could not be found" });
}

function listConversations(
  fake: FakeChatwoot,
  conversations: FakeConversation[],
  query: URLSearchParams,
): FakeReply {
  const inbox = query.get("inbox_id");
  const status = query.get("status") ?? "open";
  const page = Math.max(1, Number(query.get("page") ?? 1));
  const matching = conversations
    .filter((conversation) => inbox === null || conversation.inboxId === Number(inbox))
    .filter((conversation) => status === "all" || conversation.status === status)
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt || a.tieRank - b.tieRank);
  const payload = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((conversation) => ({
    id: conversation.id,
    account_id: fake.accountId,
    inbox_id: conversation.inboxId,
    status: conversation.status,
    labels: [],
    meta: {
      sender: { ...contactJson(conversation.contact) },
      channel: "Channel::Api",
    },
    messages: conversation.messages.slice(-1).map((message) => messageJson(fake, conversation, message)),
    created_at: conversation.messages[0]?.createdAt ?? conversation.lastActivityAt,
    updated_at: conversation.updatedAt,
    timestamp: conversation.lastActivityAt,
    last_activity_at: conversation.lastActivityAt,
    unread_count: 0,
  }));
  const count = matching.length;
  return json(200, {
    data: {
      meta: { mine_count: 0, assigned_count: 0, unassigned_count: count, all_count: count },
      payload,
    },
  });
}

function listMessages(fake: FakeChatwoot, conversation: FakeConversation, after: number): FakeReply {
  const payload = conversation.messages
    .filter((message) => message.id > after)
    .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id)
    .slice(0, MESSAGES_AFTER_LIMIT)
    .map((message) => messageJson(fake, conversation, message));
  return json(200, {
    meta: { labels: [], additional_attributes: {}, contact: contactJson(conversation.contact) },
    payload,
  });
}

function contactJson(contact: FakeContact) {
  return { id: contact.id, name: contact.name, email: contact.email, type: "contact", phone_number: null };
}

function messageJson(fake: FakeChatwoot, conversation: FakeConversation, message: FakeMessage) {
  const sender =
    message.messageType === 0
      ? contactJson(conversation.contact)
      : { id: 7, name: "Agent", type: "user", available_name: "Agent" };
  return {
    id: message.id,
    content: message.content,
    inbox_id: conversation.inboxId,
    conversation_id: conversation.id,
    message_type: message.messageType,
    content_type: "text",
    status: "sent",
    content_attributes: {},
    created_at: message.createdAt,
    private: message.private,
    source_id: null,
    sender,
    account_id: fake.accountId,
  };
}
