import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import {
  EmailUnverifiedError,
  InvitationClosedError,
  InvitationNotFoundError,
  InvitationPendingError,
  ProjectForbiddenError,
} from "../src/domain/errors.ts";
import { projectDecider } from "../src/domain/project.ts";
import type { InviteeData, ProjectCommand, ProjectEvent } from "../src/domain/project-state.ts";

const now = new Date("2026-11-23T09:00:00.000Z");
const at = now.toISOString();
const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000);
const inAWeek = later(168).toISOString();
const projectId = "6f1c7d2e-0d8b-4a53-9b1e-2c4d5e6f7a8b";
const invitationId = "7a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
const owner = "11111111-1111-4111-8111-111111111111";
const admin = "22222222-2222-4222-8222-222222222222";
const member = "33333333-3333-4333-8333-333333333333";
const invitee = "44444444-4444-4444-8444-444444444444";

const team: ProjectEvent[] = [
  { type: "user.project.created", data: { projectId, userId: owner, name: "Apollo", createdAt: at } },
  { type: "user.membership.added", data: { projectId, userId: owner, role: "owner", addedAt: at } },
  { type: "user.membership.added", data: { projectId, userId: admin, role: "admin", addedAt: at } },
  { type: "user.membership.added", data: { projectId, userId: member, role: "member", addedAt: at } },
];
const invited: ProjectEvent = {
  type: "user.invitation.created",
  data: {
    invitationId,
    projectId,
    projectName: "Apollo",
    email: "Grace@Example.com",
    role: "member",
    invitedBy: admin,
    expiresAt: inAWeek,
    createdAt: at,
  },
};
const secondId = "8b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e";
const secondInvitation = (email: string, when = now): ProjectEvent => ({
  type: "user.invitation.created",
  data: {
    invitationId: secondId,
    projectId,
    projectName: "Apollo",
    email,
    role: "viewer",
    invitedBy: owner,
    expiresAt: inAWeek,
    createdAt: when.toISOString(),
  },
});

const invite = (actorId: string, email: string, when = now): ProjectCommand => ({
  type: "InviteMember",
  data: { projectId, invitationId: secondId, email, role: "viewer", expiresAt: inAWeek },
  meta: { now: when, actorId },
});
const asInvitee = (extra: Partial<InviteeData> = {}): InviteeData => ({
  projectId,
  invitationId,
  userId: invitee,
  email: "grace@example.com",
  emailVerified: true,
  ...extra,
});
const accept = (data = asInvitee(), when = now): ProjectCommand => ({
  type: "AcceptInvitation",
  data,
  meta: { now: when, actorId: data.userId },
});
const decline = (data = asInvitee()): ProjectCommand => ({
  type: "DeclineInvitation",
  data,
  meta: { now, actorId: data.userId },
});
const revoke = (actorId: string): ProjectCommand => ({
  type: "RevokeInvitation",
  data: { projectId, invitationId },
  meta: { now, actorId },
});
const accepted: ProjectEvent = {
  type: "user.invitation.accepted",
  data: { invitationId, projectId, userId: invitee, role: "member", acceptedAt: at },
};
const revoked: ProjectEvent = {
  type: "user.invitation.revoked",
  data: { invitationId, projectId, revokedAt: at },
};

describe("invitations", () => {
  it("are sent by owners and admins with the project's name, and by nobody else", () => {
    given(projectDecider, team)
      .when(invite(owner, "ada@example.com"))
      .then([secondInvitation("ada@example.com")]);
    given(projectDecider, team).when(invite(member, "ada@example.com")).thenThrows(ProjectForbiddenError);
  });

  it("allow one open invitation per address and project, case ignored, until it ends or expires", () => {
    const error = given(projectDecider, [...team, invited])
      .when(invite(owner, "GRACE@example.COM"))
      .thenThrows(InvitationPendingError);
    expect(error).toMatchObject({ status: 409, code: "user.invitation_pending" });
    given(projectDecider, [...team, invited, revoked])
      .when(invite(owner, "grace@example.com"))
      .then([secondInvitation("grace@example.com")]);
    given(projectDecider, [...team, invited])
      .when(invite(owner, "grace@example.com", later(169)))
      .then([secondInvitation("grace@example.com", later(169))]);
  });

  it("make the addressee with a verified email a member with the invited role", () => {
    given(projectDecider, [...team, invited])
      .when(accept())
      .then([
        accepted,
        { type: "user.membership.added", data: { projectId, userId: invitee, role: "member", addedAt: at } },
      ]);
  });

  it("leave an existing member's role as it is when they accept", () => {
    given(projectDecider, [...team, invited])
      .when(accept(asInvitee({ userId: member })))
      .then([{ ...accepted, data: { ...accepted.data, userId: member } }]);
  });

  it("do not exist for another account, and want the addressee's email verified", () => {
    given(projectDecider, [...team, invited])
      .when(accept(asInvitee({ email: "mallory@example.com" })))
      .thenThrows(InvitationNotFoundError);
    const unverified = given(projectDecider, [...team, invited])
      .when(accept(asInvitee({ emailVerified: false })))
      .thenThrows(EmailUnverifiedError);
    expect(unverified).toMatchObject({ status: 403, code: "user.email_unverified" });
    given(projectDecider, [...team, invited])
      .when(decline(asInvitee({ email: "mallory@example.com" })))
      .thenThrows(InvitationNotFoundError);
  });

  it("cannot be answered once they ended, each end with its own code", () => {
    const declined: ProjectEvent = {
      type: "user.invitation.declined",
      data: { invitationId, projectId, userId: invitee, declinedAt: at },
    };
    const ended: [ProjectEvent[], string][] = [
      [[accepted], "user.invitation_accepted"],
      [[declined], "user.invitation_declined"],
      [[revoked], "user.invitation_revoked"],
      [
        [{ type: "user.invitation.expired", data: { invitationId, projectId, expiredAt: at } }],
        "user.invitation_expired",
      ],
    ];
    for (const [ending, code] of ended) {
      const error = given(projectDecider, [...team, invited, ...ending])
        .when(accept())
        .thenThrows(InvitationClosedError);
      expect(error).toMatchObject({ status: 409, code });
    }
    const expired = given(projectDecider, [...team, invited])
      .when(accept(asInvitee(), later(168)))
      .thenThrows(InvitationClosedError);
    expect(expired.code).toBe("user.invitation_expired");
  });

  it("are declined by the addressee", () => {
    given(projectDecider, [...team, invited])
      .when(decline())
      .then([
        {
          type: "user.invitation.declined",
          data: { invitationId, projectId, userId: invitee, declinedAt: at },
        },
      ]);
  });

  it("are revoked by owners and admins once; an accepted one stays accepted", () => {
    given(projectDecider, [...team, invited])
      .when(revoke(admin))
      .then([revoked]);
    given(projectDecider, [...team, invited, revoked])
      .when(revoke(owner))
      .then([]);
    given(projectDecider, [...team, invited])
      .when(revoke(member))
      .thenThrows(ProjectForbiddenError);
    given(projectDecider, [...team, invited, accepted])
      .when(revoke(owner))
      .thenThrows(InvitationClosedError);
  });

  it("expire once their time is up", () => {
    const expire = (when: Date): ProjectCommand => ({
      type: "ExpireInvitations",
      data: { projectId },
      meta: { now: when, actorId: "system:user" },
    });
    given(projectDecider, [...team, invited])
      .when(expire(later(167)))
      .then([]);
    given(projectDecider, [...team, invited])
      .when(expire(later(168)))
      .then([
        {
          type: "user.invitation.expired",
          data: { invitationId, projectId, expiredAt: later(168).toISOString() },
        },
      ]);
    given(projectDecider, [...team, invited, revoked])
      .when(expire(later(200)))
      .then([]);
  });

  it("are revoked when the project goes with its erased only owner", () => {
    const alone: ProjectEvent[] = [team[0]!, team[1]!, invited];
    given(projectDecider, alone)
      .when({
        type: "RemoveErasedUser",
        data: { projectId, userId: owner },
        meta: { now, actorId: "system:user" },
      })
      .then([
        { type: "user.membership.removed", data: { projectId, userId: owner, role: "owner", removedAt: at } },
        revoked,
        { type: "user.project.deleted", data: { projectId, userId: owner, deletedAt: at } },
      ]);
    given(projectDecider, [
      ...alone,
      revoked,
      { type: "user.project.deleted", data: { projectId, userId: owner, deletedAt: at } },
    ])
      .when(accept())
      .thenThrows(InvitationClosedError);
  });
});
