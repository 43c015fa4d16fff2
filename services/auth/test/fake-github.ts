import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface GithubUser {
  id: number;
  name: string;
  email: string;
  verified: boolean;
}

export interface FakeGithub {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Map<number, GithubUser>;
  /** Plays the browser: GitHub's authorize endpoint approves for `userId` and redirects back. */
  authorize(authorizationUrl: string, userId: number): Promise<URL>;
  stop(): Promise<void>;
}

interface IssuedCode {
  userId: number;
  redirectUri: string;
  challenge: string;
  used: boolean;
}

async function bodyOf(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** GitHub's OAuth 2 endpoints and the two user API calls, as far as `auth` uses them; PKCE S256 checked. */
export async function startFakeGithub(): Promise<FakeGithub> {
  const clientId = "gh-client";
  const clientSecret = "gh-secret";
  const users = new Map<number, GithubUser>();
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const code = randomBytes(10).toString("hex");
      codes.set(code, {
        userId: Number(url.searchParams.get("login")),
        redirectUri: url.searchParams.get("redirect_uri") ?? "",
        challenge: url.searchParams.get("code_challenge") ?? "",
        used: false,
      });
      const back = new URL(url.searchParams.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      response.writeHead(302, { location: back.href }).end();
      return;
    }
    if (request.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const form = await bodyOf(request);
      const issued = codes.get(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (
        form.get("client_id") !== clientId ||
        form.get("client_secret") !== clientSecret ||
        !issued ||
        issued.used ||
        issued.redirectUri !== form.get("redirect_uri") ||
        issued.challenge !== challenge
      ) {
        json(response, 400, { error: "bad_verification_code" });
        return;
      }
      issued.used = true;
      const token = `gho_${randomBytes(16).toString("hex")}`;
      tokens.set(token, issued.userId);
      json(response, 200, { access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      return;
    }
    const userId = tokens.get((request.headers.authorization ?? "").replace(/^Bearer /i, ""));
    const user = userId === undefined ? undefined : users.get(userId);
    if (!user) {
      json(response, 401, { message: "Bad credentials" });
    } else if (url.pathname === "/user") {
      json(response, 200, { id: user.id, login: `user${user.id}`, name: user.name, email: null });
    } else if (url.pathname === "/user/emails") {
      json(response, 200, [{ email: user.email, primary: true, verified: user.verified, visibility: null }]);
    } else {
      json(response, 404, { message: "Not Found" });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the fake GitHub has no port");
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    clientId,
    clientSecret,
    users,
    async authorize(authorizationUrl, userId) {
      const url = new URL(authorizationUrl);
      url.searchParams.set("login", String(userId));
      const response = await fetch(url, { redirect: "manual" });
      return new URL(response.headers.get("location") ?? "");
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
