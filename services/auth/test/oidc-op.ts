import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";

/** A person at the test provider. */
export interface OpAccount {
  email?: string;
  emailVerified: boolean;
  name?: string;
}

export interface TestOp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** People by subject; tests add and change them. */
  readonly accounts: Map<string, OpAccount>;
  /**
   * Plays the browser at the provider: follows the authorization URL, signs in as `subject` and
   * returns the redirect back to the client (with `code`, `state`, `iss`).
   */
  authorize(authorizationUrl: string, subject: string): Promise<URL>;
  stop(): Promise<void>;
}

/** A real OpenID provider (`oidc-provider`) on 127.0.0.1 with a random port; PKCE required. */
export async function startTestOp(redirectUris: string[]): Promise<TestOp> {
  const server: Server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test provider has no port");
  const { port } = address;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "tessera";
  const clientSecret = "a-test-client-secret-that-is-long-enough";
  const accounts = new Map<string, OpAccount>();
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "test-op-1" };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(account.email ? { email: account.email, email_verified: account.emailVerified } : {}),
            ...(account.name ? { name: account.name } : {}),
          };
        },
      };
    },
    // First-party client: no consent screen, every scope granted.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client;
      const session = ctx.oidc.session;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  server.on("request", provider.callback());

  async function authorize(authorizationUrl: string, subject: string): Promise<URL> {
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl);
    let init: RequestInit = {};
    for (let hop = 0; hop < 12; hop++) {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
      const response = await fetch(url, {
        ...init,
        redirect: "manual",
        headers: { ...init.headers, cookie },
      });
      for (const set of response.headers.getSetCookie()) {
        const [pair = ""] = set.split(";");
        const separator = pair.indexOf("=");
        jar.set(pair.slice(0, separator), pair.slice(separator + 1));
      }
      const location = response.headers.get("location");
      await response.arrayBuffer();
      if (location) {
        const next = new URL(location, url);
        if (next.origin !== issuer) return next;
        url = next;
        init = {};
      } else if (response.status === 200 && url.pathname.startsWith("/interaction/")) {
        init = {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ prompt: "login", login: subject, password: "any" }).toString(),
        };
      } else {
        throw new Error(`the test provider answered ${response.status} at ${url.pathname}`);
      }
    }
    throw new Error("too many redirects at the test provider");
  }

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    authorize,
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
