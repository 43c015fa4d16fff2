import {
  InvitationPageSchema,
  InvitationSchema,
  MemberPageSchema,
  MembershipSchema,
  ProblemSchema,
  ProjectSchema,
  type TokenPair,
} from "@tessera/contracts";
import { stackClient, uniqueEmail } from "@tessera/testing";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";
import { LINK_TOKEN_ENV, verifyEmail } from "../support/verified-email.ts";

const stack = useStack({ env: LINK_TOKEN_ENV });
const client = stackClient(() => stack.gatewayUrl);
const { call, register, eventually } = client;

async function codeOf(response: Response): Promise<string> {
  return ProblemSchema.parse(await response.json()).code;
}

async function newProject(owner: TokenPair): Promise<string> {
  const created = await call("POST", "/v1/projects", owner.accessToken, { name: "Apollo" });
  expect(created.status).toBe(201);
  return z.object({ id: z.uuid() }).parse(await created.json()).id;
}

async function invite(projectId: string, inviter: TokenPair, email: string, role = "member") {
  return call("POST", `/v1/projects/${projectId}/invitations`, inviter.accessToken, { email, role });
}

const answer = (invitationId: string, user: TokenPair, verb: "accept" | "decline") =>
  call("POST", `/v1/invitations/${invitationId}/${verb}`, user.accessToken);

describe("membership by invitation, through the gateway", () => {
  it("lets only the invitee with the verified address accept, and makes them a member with the invited role", async () => {
    const owner = await register();
    const projectId = await newProject(owner);
    const invitee = await register();
    const mallory = await register();
    await verifyEmail(stack, client, mallory.user.id);

    const toAccount = await invite(projectId, owner, invitee.user.email.toUpperCase());
    const toNobody = await invite(projectId, owner, uniqueEmail("nobody"));
    expect([toAccount.status, toNobody.status]).toEqual([201, 201]);
    const invitation = InvitationSchema.parse(await toAccount.json());
    const other = InvitationSchema.parse(await toNobody.json());
    // The same shape whether or not an account has the address, and no user id in it.
    expect(Object.keys(invitation).sort()).toEqual(Object.keys(other).sort());
    expect(invitation).toMatchObject({ status: "pending", role: "member", projectName: "Apollo" });
    expect(JSON.stringify(invitation)).not.toContain(invitee.user.id);
    const again = await invite(projectId, owner, invitee.user.email);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe("user.invitation_pending");
    const pending = InvitationPageSchema.parse(
      await (await call("GET", `/v1/projects/${projectId}/invitations`, owner.accessToken)).json(),
    );
    expect(pending.items.map((item) => item.id).sort()).toEqual([invitation.id, other.id].sort());

    // Before the address is verified the invitee sees nothing and cannot accept.
    const unseen = await call("GET", "/v1/invitations", invitee.accessToken);
    expect(InvitationPageSchema.parse(await unseen.json()).items).toEqual([]);
    const unverified = await answer(invitation.id, invitee, "accept");
    expect(unverified.status).toBe(403);
    expect(await codeOf(unverified)).toBe("user.email_unverified");
    // Another verified account does not even see it exist.
    const foreign = await answer(invitation.id, mallory, "accept");
    expect(foreign.status).toBe(404);
    expect(await codeOf(foreign)).toBe("user.invitation_not_found");

    await verifyEmail(stack, client, invitee.user.id);
    const received = InvitationPageSchema.parse(
      await (await call("GET", "/v1/invitations", invitee.accessToken)).json(),
    );
    expect(received.items).toEqual([expect.objectContaining({ id: invitation.id, projectId })]);
    const accepted = await answer(invitation.id, invitee, "accept");
    expect(accepted.status).toBe(200);
    expect(MembershipSchema.parse(await accepted.json())).toMatchObject({
      projectId,
      userId: invitee.user.id,
      role: "member",
    });
    const project = await eventually(
      () => call("GET", `/v1/projects/${projectId}`, invitee.accessToken),
      (status) => status === 404,
    );
    expect(ProjectSchema.parse(await project.json())).toMatchObject({ id: projectId, role: "member" });
    const twice = await answer(invitation.id, invitee, "accept");
    expect(twice.status).toBe(409);
    expect(await codeOf(twice)).toBe("user.invitation_accepted");

    // The address is sealed in the user service's events, and forgotten once the invitation ended.
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from users.events
       where strpos(lower(data::text), ${invitee.user.email.toLowerCase()}) > 0`.execute(stack.database.db);
    expect(rows[0]?.count).toBe(0);
    const closed = await call(
      "GET",
      `/v1/projects/${projectId}/invitations/${invitation.id}`,
      owner.accessToken,
    );
    expect(InvitationSchema.parse(await closed.json())).toMatchObject({ status: "accepted", email: null });
  });

  it("answers revoked and declined invitations with their own 409, and adds nobody without an acceptance", async () => {
    const owner = await register();
    const projectId = await newProject(owner);
    const invitee = await register();
    await verifyEmail(stack, client, invitee.user.id);

    const first = InvitationSchema.parse(await (await invite(projectId, owner, invitee.user.email)).json());
    expect(
      (await call("DELETE", `/v1/projects/${projectId}/invitations/${first.id}`, owner.accessToken)).status,
    ).toBe(204);
    const revoked = await answer(first.id, invitee, "accept");
    expect(revoked.status).toBe(409);
    expect(await codeOf(revoked)).toBe("user.invitation_revoked");

    const second = InvitationSchema.parse(await (await invite(projectId, owner, invitee.user.email)).json());
    expect((await answer(second.id, invitee, "decline")).status).toBe(204);
    const declined = await answer(second.id, invitee, "accept");
    expect(declined.status).toBe(409);
    expect(await codeOf(declined)).toBe("user.invitation_declined");
    expect((await call("GET", `/v1/projects/${projectId}`, invitee.accessToken)).status).toBe(404);

    // Adding members directly is gone.
    const direct = await call("POST", `/v1/projects/${projectId}/members`, owner.accessToken, {
      userId: invitee.user.id,
      role: "member",
    });
    expect(direct.status).toBe(405);
    expect((await call("GET", `/v1/projects/${projectId}`, invitee.accessToken)).status).toBe(404);
  });

  it("lists members, changes roles but never demotes the last owner, and lets a member leave", async () => {
    const owner = await register();
    const projectId = await newProject(owner);
    const member = await register();
    await verifyEmail(stack, client, member.user.id);
    const invitation = InvitationSchema.parse(
      await (await invite(projectId, owner, member.user.email, "admin")).json(),
    );
    expect((await answer(invitation.id, member, "accept")).status).toBe(200);
    expect((await call("PATCH", "/v1/users/me", member.accessToken, { displayName: "Grace" })).status).toBe(
      200,
    );

    const listed = await eventually(
      () => call("GET", `/v1/projects/${projectId}/members`, member.accessToken),
      (status) => status === 404,
    );
    expect(MemberPageSchema.parse(await listed.json()).items).toEqual([
      { userId: owner.user.id, displayName: null, role: "owner", joinedAt: expect.any(String) },
      { userId: member.user.id, displayName: "Grace", role: "admin", joinedAt: expect.any(String) },
    ]);
    const demoted = await call(
      "PATCH",
      `/v1/projects/${projectId}/members/${member.user.id}`,
      owner.accessToken,
      {
        role: "viewer",
      },
    );
    expect(demoted.status).toBe(200);
    expect(await demoted.json()).toMatchObject({ userId: member.user.id, role: "viewer" });
    const lastOwner = await call(
      "PATCH",
      `/v1/projects/${projectId}/members/${owner.user.id}`,
      owner.accessToken,
      {
        role: "admin",
      },
    );
    expect(lastOwner.status).toBe(409);
    expect(await codeOf(lastOwner)).toBe("user.last_owner");
    // A viewer may not invite, and a stranger does not see the project. The gateway may still hold
    // the admin role for a moment; then the user service refuses on its own state.
    const byViewer = await invite(projectId, member, uniqueEmail("friend"));
    expect(byViewer.status).toBe(403);
    const stranger = await register();
    const hidden = await call("GET", `/v1/projects/${projectId}/members`, stranger.accessToken);
    expect(hidden.status).toBe(404);
    expect(await codeOf(hidden)).toBe("project.not_found");

    expect(
      (await call("DELETE", `/v1/projects/${projectId}/members/${member.user.id}`, member.accessToken))
        .status,
    ).toBe(204);
    const gone = await eventually(
      () => call("GET", `/v1/projects/${projectId}`, member.accessToken),
      (status) => status === 200,
    );
    expect(gone.status).toBe(404);
  });
});
