import { createInbox, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/nats-core";

/** Why a request got no reply; `requestOperation` turns each into the caller-facing error. */
export class NoReplyError extends Error {
  override name = "NoReplyError";
  readonly reason: "timeout" | "no-responders" | "closed";
  constructor(reason: NoReplyError["reason"], options?: ErrorOptions) {
    super(`no reply: ${reason}`, options);
    this.reason = reason;
  }
}

interface Pending {
  resolve(msg: Msg): void;
  reject(error: NoReplyError): void;
  timer: NodeJS.Timeout;
}

const NO_RESPONDERS = 503;

/**
 * Request/reply over one wildcard inbox subscription per connection. The client's own `request`
 * does the same, but also builds an Error (with its stack trace) for every request that succeeds;
 * on the gateway's hot path that was the largest single cost after socket writes.
 */
export class ReplyInbox {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#prefix = createInbox();
    nc.subscribe(`${this.#prefix}.*`, {
      callback: (error, msg) => {
        if (error) this.#failAll(new NoReplyError("closed", { cause: error }));
        else this.#deliver(msg);
      },
    });
    void nc.closed().then((error) => this.#failAll(new NoReplyError("closed", { cause: error })));
  }

  request(subject: string, data: string | Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<Msg> {
    const token = (this.#next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new NoReplyError("timeout"));
      }, timeoutMs);
      this.#pending.set(token, { resolve, reject, timer });
      try {
        this.#nc.publish(subject, data, { reply: `${this.#prefix}.${token}`, headers });
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(token);
        reject(new NoReplyError("closed", { cause: error }));
      }
    });
  }

  #deliver(msg: Msg): void {
    const token = msg.subject.slice(this.#prefix.length + 1);
    const pending = this.#pending.get(token);
    if (pending === undefined) return; // a late reply to a request that already timed out
    this.#pending.delete(token);
    clearTimeout(pending.timer);
    // The server answers a request nobody subscribes to with an empty 503 status message.
    if (msg.data.length === 0 && msg.headers?.hasError && msg.headers.code === NO_RESPONDERS) {
      pending.reject(new NoReplyError("no-responders"));
    } else {
      pending.resolve(msg);
    }
  }

  #failAll(error: NoReplyError): void {
    for (const [token, pending] of this.#pending) {
      this.#pending.delete(token);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}

const inboxes = new WeakMap<NatsConnection, ReplyInbox>();

/** The connection's shared inbox, subscribed on first use. */
export function replyInboxOf(nc: NatsConnection): ReplyInbox {
  let inbox = inboxes.get(nc);
  if (inbox === undefined) {
    inbox = new ReplyInbox(nc);
    inboxes.set(nc, inbox);
  }
  return inbox;
}
