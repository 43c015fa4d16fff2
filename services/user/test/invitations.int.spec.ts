import { randomUUID } from "node:crypto";
import {
  accessGet,
  invitationsAccept,
  invitationsCreate,
  invitationsDecline,
  invitationsGet,
  invitationsList,
  invitationsRevoke,
  meErase,
  projectsCreate,
  receivedInvitationsList,
} from "@tessera/contracts";
import { busMessagesMentioning } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ctx,
  eventually,
  type Harness,
  registerUser,
  startHarness,
  tablesMentioning,
  verifyEmail,
} from "./support.ts";

const HOUR = 3_600_000;
let offsetMs = 0;
let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    "userinv",
    { INVITATION_EXPIRY_CHECK_SECONDS: "1" },
    { clock: () => new Date(Date.now() + offsetMs) },
  );
});

afterAll(async () => {
  await h?.stop();
});

const as = (user: { userId: string }) => ctx(user.userId);
const uniqueAddress = () => `invitee.${randomUUID().slice(0, 8)}@example.com`;

async function projectOf(owner: { userId: string }) {
  return (await h.caller.request(projectsCreate, { name: "Apollo" }, as(owner))).id;
}

async function invite(
  projectId: string,
  inviter: { userId: string },
  email: string,
  role = "member" as const,
) {
  return h.caller.request(invitationsCreate, { projectId, email, role }, as(inviter));
}

async function invitationKey(invitationId: string): Promise<{ destroyed: boolean } | undefined> {
  const { rows } = await sql<{ destroyed: boolean }>`
    select key is null as destroyed from users.personal_data_keys
     where subject_id = ${`invitation:${invitationId}`}`.execute(h.user.database.db);
  return rows[0];
}

describe("invitations", () => {
  it("answer the same whether or not an account has the address, and name no user", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const known = await registerUser(h);
    const before = Date.now() + offsetMs;
    const toAccount = await invite(projectId, owner, known.email);
    const toNobody = await invite(projectId, owner, uniqueAddress());
    for (const invitation of [toAccount, toNobody]) {
      expect(Object.keys(invitation).sort()).toEqual([
        "createdAt",
        "email",
        "expiresAt",
        "id",
        "invitedBy",
        "projectId",
        "projectName",
        "role",
        "status",
      ]);
      expect(invitation).toMatchObject({
        projectId,
        projectName: "Apollo",
        role: "member",
        status: "pending",
      });
      const ttl = Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt);
      expect(ttl).toBe(168 * HOUR);
      expect(Date.parse(invitation.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    }
    expect(JSON.stringify(toAccount)).not.toContain(known.userId);
    const listed = await h.caller.request(invitationsList, { projectId, limit: 10 }, as(owner));
    expect(listed.items.map((item) => item.id)).toEqual([toNobody.id, toAccount.id]);
  });

  it("let only the addressee, once their email is verified, accept and join with the invited role", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const invitee = await registerUser(h);
    const stranger = await registerUser(h);
    await verifyEmail(h, stranger.userId);
    const invitation = await invite(projectId, owner, invitee.email.toUpperCase());

    expect(await h.caller.request(receivedInvitationsList, { limit: 10 }, as(invitee))).toEqual({
      items: [],
      nextCursor: null,
    });
    const accept = (user: { userId: string }) =>
      h.caller.request(invitationsAccept, { invitationId: invitation.id }, as(user));
    await expect(accept(invitee)).rejects.toMatchObject({ status: 403, code: "user.email_unverified" });
    await expect(accept(stranger)).rejects.toMatchObject({ status: 404, code: "user.invitation_not_found" });
    await expect(accept(owner)).rejects.toMatchObject({ status: 404, code: "user.invitation_not_found" });

    await verifyEmail(h, invitee.userId);
    const received = await h.caller.request(receivedInvitationsList, { limit: 10 }, as(invitee));
    expect(received.items).toEqual([expect.objectContaining({ id: invitation.id, projectName: "Apollo" })]);
    expect(await accept(invitee)).toEqual({
      projectId,
      userId: invitee.userId,
      role: "member",
      addedAt: expect.any(String),
    });
    expect(
      await h.caller.request(accessGet, { userId: invitee.userId, projectId }, ctx("system:test")),
    ).toMatchObject({ projectRole: "member" });
    await expect(accept(invitee)).rejects.toMatchObject({ status: 409, code: "user.invitation_accepted" });
    expect(
      await h.caller.request(invitationsGet, { projectId, invitationId: invitation.id }, as(owner)),
    ).toMatchObject({ status: "accepted", email: null });
    expect((await h.caller.request(invitationsList, { projectId, limit: 10 }, as(owner))).items).toEqual([]);
  });

  it("forget the address when they end: in the store, the read models and on the bus", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const email = uniqueAddress();
    const invitation = await invite(projectId, owner, email);
    // Sealed in the events; readable for the pending invitation and published for the email.
    expect(await tablesMentioning(h, email)).toEqual(["invitations"]);
    await eventually(async () =>
      (await busMessagesMentioning(h.user.namespace, email)).length > 0 ? true : undefined,
    );

    const revoke = () =>
      h.caller.request(invitationsRevoke, { projectId, invitationId: invitation.id }, as(owner));
    expect(await revoke()).toBeNull();
    expect(await revoke()).toBeNull();
    expect(await tablesMentioning(h, email)).toEqual([]);
    expect(await invitationKey(invitation.id)).toEqual({ destroyed: true });
    expect(await busMessagesMentioning(h.user.namespace, email)).toEqual([]);
    await expect(
      h.caller.request(invitationsAccept, { invitationId: invitation.id }, as(owner)),
    ).rejects.toMatchObject({ status: 409, code: "user.invitation_revoked" });
  });

  it("are declined by the addressee, and cannot be accepted after", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const invitee = await registerUser(h);
    await verifyEmail(h, invitee.userId);
    const invitation = await invite(projectId, owner, invitee.email);
    expect(
      await h.caller.request(invitationsDecline, { invitationId: invitation.id }, as(invitee)),
    ).toBeNull();
    await expect(
      h.caller.request(invitationsAccept, { invitationId: invitation.id }, as(invitee)),
    ).rejects.toMatchObject({ status: 409, code: "user.invitation_declined" });
    expect((await h.caller.request(receivedInvitationsList, { limit: 10 }, as(invitee))).items).toEqual([]);
    expect(await invitationKey(invitation.id)).toEqual({ destroyed: true });
  });

  it("refuse a second open invitation to the same address, case ignored, until the first is revoked", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const email = uniqueAddress();
    const first = await invite(projectId, owner, email);
    await expect(invite(projectId, owner, email.toUpperCase())).rejects.toMatchObject({
      status: 409,
      code: "user.invitation_pending",
    });
    await h.caller.request(invitationsRevoke, { projectId, invitationId: first.id }, as(owner));
    expect(await invite(projectId, owner, email)).toMatchObject({ status: "pending" });
  });

  it("are for owners and admins to send and see", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const member = await registerUser(h);
    await verifyEmail(h, member.userId);
    const invitation = await invite(projectId, owner, member.email);
    await h.caller.request(invitationsAccept, { invitationId: invitation.id }, as(member));
    await expect(invite(projectId, member, uniqueAddress())).rejects.toMatchObject({
      status: 403,
      code: "user.forbidden",
    });
    await expect(
      h.caller.request(invitationsList, { projectId, limit: 10 }, as(member)),
    ).rejects.toMatchObject({ status: 403, code: "user.forbidden" });
    const stranger = await registerUser(h);
    await expect(
      h.caller.request(invitationsGet, { projectId, invitationId: invitation.id }, as(stranger)),
    ).rejects.toMatchObject({ status: 404, code: "project.not_found" });
  });

  it("expire after the configured time, and the sweep forgets their address", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const invitee = await registerUser(h);
    await verifyEmail(h, invitee.userId);
    const invitation = await invite(projectId, owner, invitee.email);
    offsetMs += 168 * HOUR + 1_000;
    try {
      await expect(
        h.caller.request(invitationsAccept, { invitationId: invitation.id }, as(invitee)),
      ).rejects.toMatchObject({ status: 409, code: "user.invitation_expired" });
      expect(
        await h.caller.request(invitationsGet, { projectId, invitationId: invitation.id }, as(owner)),
      ).toMatchObject({ status: "expired", email: null });
      expect((await h.caller.request(receivedInvitationsList, { limit: 10 }, as(invitee))).items).toEqual([]);
      await eventually(async () => ((await invitationKey(invitation.id))?.destroyed ? true : undefined));
      const { rows } = await sql<{ status: string; email: string | null }>`
        select status, email from users.invitations where invitation_id = ${invitation.id}`.execute(
        h.user.database.db,
      );
      expect(rows).toEqual([{ status: "expired", email: null }]);
    } finally {
      offsetMs = 0;
    }
  });

  it("are revoked, and their addresses forgotten, when the project goes with its erased only owner", async () => {
    const owner = await registerUser(h);
    const projectId = await projectOf(owner);
    const invitation = await invite(projectId, owner, uniqueAddress());
    await h.caller.request(meErase, {}, as(owner));
    await eventually(async () => ((await invitationKey(invitation.id))?.destroyed ? true : undefined));
    const { rows } = await sql<{ status: string }>`
      select status from users.invitations where invitation_id = ${invitation.id}`.execute(
      h.user.database.db,
    );
    expect(rows).toEqual([{ status: "revoked" }]);
  });
});
