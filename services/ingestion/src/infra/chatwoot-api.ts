import {
  type EgressClient,
  EgressConnectionError,
  EgressRefusedError,
  type EgressResponse,
  EgressResponseTooLargeError,
  EgressTimeoutError,
} from "@tessera/egress";
import { z } from "zod";
import { ChatwootRequestError } from "../domain/chatwoot-errors.ts";
import { retryAfterSeconds } from "../domain/chatwoot-sync.ts";

/** Where and as whom the connector reads one Chatwoot account. */
export interface ChatwootTarget {
  readonly baseUrl: string;
  readonly accountId: number;
  /** The API access token, sent as the `api_access_token` header and nowhere else. */
  readonly token: string;
}

type Json = Record<string, unknown>;

export interface ConversationPage {
  readonly conversations: readonly Json[];
}

export interface MessagePage {
  readonly messages: readonly Json[];
  /** The conversation's contact, as the list's `meta` gives it. */
  readonly contact: unknown;
}

/** The two reads the connector makes of Chatwoot's application API. */
export interface ChatwootApi {
  /** `GET …/conversations?status=all&page=N` (newest activity first), one inbox or all. */
  conversations(page: number, inboxId: number | null, signal: AbortSignal): Promise<ConversationPage>;
  /** `GET …/conversations/{display id}/messages?after=<id>`: the next messages after that id. */
  messages(conversationId: number, after: number, signal: AbortSignal): Promise<MessagePage>;
}

const Entries = z.array(z.looseObject({}));
const ConversationListSchema = z.looseObject({ data: z.looseObject({ payload: Entries }) });
const MessageListSchema = z.looseObject({ payload: Entries, meta: z.unknown().optional() });

export function chatwootApi(client: EgressClient, target: ChatwootTarget): ChatwootApi {
  const base = target.baseUrl.replace(/\/+$/, "");
  const account = `/api/v1/accounts/${target.accountId}`;

  async function get<T>(path: string, schema: z.ZodType<T>, what: string, signal: AbortSignal): Promise<T> {
    const request = `GET ${path}`;
    const response = await send(client, `${base}${path}`, target.token, request, signal);
    refuseUnlessOk(response, request);
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body.toString("utf8"));
    } catch {
      throw new ChatwootRequestError("malformed", `Chatwoot's answer to ${request} is not JSON.`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const at = result.error.issues[0]?.path.join(".") || "(root)";
      throw new ChatwootRequestError(
        "malformed",
        `Chatwoot's answer to ${request} is not ${what} (at ${at}).`,
      );
    }
    return result.data;
  }

  return {
    async conversations(page, inboxId, signal) {
      const inbox = inboxId === null ? "" : `&inbox_id=${inboxId}`;
      const path = `${account}/conversations?status=all&page=${page}${inbox}`;
      const list = await get(path, ConversationListSchema, "a conversation list", signal);
      return { conversations: list.data.payload };
    },
    async messages(conversationId, after, signal) {
      const path = `${account}/conversations/${conversationId}/messages?after=${after}`;
      const list = await get(path, MessageListSchema, "a message list", signal);
      const meta = list.meta;
      const contact = typeof meta === "object" && meta !== null && "contact" in meta ? meta.contact : null;
      return { messages: list.payload, contact };
    },
  };
}

async function send(
  client: EgressClient,
  url: string,
  token: string,
  request: string,
  signal: AbortSignal,
): Promise<EgressResponse> {
  try {
    return await client.request({
      url,
      headers: { accept: "application/json", api_access_token: token },
      signal,
    });
  } catch (error) {
    throw translated(error, request);
  }
}

/** The egress guard's failures, named for the run's error. The abort reason (time-out, cancel) passes. */
function translated(error: unknown, request: string): unknown {
  if (error instanceof EgressTimeoutError) {
    const within = error.phase === "connect" ? "accept a connection" : "answer";
    return new ChatwootRequestError(
      "timeout",
      `Chatwoot did not ${within} for ${request} in time: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof EgressRefusedError) {
    return new ChatwootRequestError("refused", `The egress guard refused ${request}: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof EgressConnectionError || error instanceof EgressResponseTooLargeError) {
    return new ChatwootRequestError(
      "unreachable",
      `Chatwoot could not be read for ${request}: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}

function refuseUnlessOk(response: EgressResponse, request: string): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  const answered = `Chatwoot answered HTTP ${status} to ${request}`;
  if (status === 401 || status === 403) {
    throw new ChatwootRequestError("unauthorized", `${answered}: the API access token was refused.`);
  }
  if (status === 404) {
    throw new ChatwootRequestError("not_found", `${answered}: check the base URL and account id.`);
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(response.headers["retry-after"], new Date());
    const wait = seconds === null ? "" : `; Retry-After ${seconds} s`;
    throw new ChatwootRequestError("rate_limited", `${answered}: rate limited${wait}.`, {
      ...(seconds === null ? {} : { retryAfterSeconds: seconds }),
    });
  }
  if (status >= 300 && status < 400) {
    throw new ChatwootRequestError(
      "redirect",
      `${answered}: redirects are not followed; check the base URL.`,
    );
  }
  throw new ChatwootRequestError("server", `${answered}.`);
}
