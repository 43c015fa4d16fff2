import { ValidationError } from "@tessera/contracts";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import { scheduleDecider } from "../src/domain/decide-schedule.ts";
import { ScheduleExistsError, ScheduleNotFoundError } from "../src/domain/errors.ts";
import type { ScheduleDefinition, ScheduleEvent } from "../src/domain/schedule.ts";

const scheduleId = "5f0c7a52-2b3c-4d0e-8f1a-000000000001";
const now = new Date("2026-05-01T10:00:00.000Z");
const meta = { now };
const definition: ScheduleDefinition = {
  scheduleId,
  name: "nightly",
  cron: "0 3 * * *",
  timezone: "Europe/Berlin",
  jobType: "hello_world",
  payload: {},
  overlap: "skip",
  catchUp: { policy: "none", windowSeconds: 3600 },
};
const created: ScheduleEvent = {
  type: "job-scheduler.schedule.created",
  data: { ...definition, createdAt: now.toISOString() },
};
const paused: ScheduleEvent = {
  type: "job-scheduler.schedule.paused",
  data: { scheduleId, pausedAt: now.toISOString() },
};

describe("the schedule decider", () => {
  it("creates a schedule, and creating the same definition again decides nothing", () => {
    given(scheduleDecider, []).when({ type: "CreateSchedule", data: definition, meta }).then([created]);
    given(scheduleDecider, [created]).when({ type: "CreateSchedule", data: definition, meta }).then([]);
  });

  it("refuses another definition under an existing id, and a bad cron", () => {
    given(scheduleDecider, [created])
      .when({ type: "CreateSchedule", data: { ...definition, cron: "0 4 * * *" }, meta })
      .thenThrows(ScheduleExistsError);
    given(scheduleDecider, [])
      .when({ type: "CreateSchedule", data: { ...definition, cron: "0 25 * * *" }, meta })
      .thenThrows(ValidationError);
  });

  it("refuses a cron expression that can never fire, naming the cron field", () => {
    const error = given(scheduleDecider, [])
      .when({ type: "CreateSchedule", data: { ...definition, cron: "0 0 30 2 *" }, meta })
      .thenThrows(ValidationError);
    expect(error.errors?.map((e) => e.field)).toEqual(["cron"]);
    // 29 February is rare, not never.
    given(scheduleDecider, [])
      .when({ type: "CreateSchedule", data: { ...definition, cron: "0 0 29 2 *" }, meta })
      .then([{ ...created, data: { ...created.data, cron: "0 0 29 2 *" } }]);
  });

  it("pauses and resumes idempotently", () => {
    given(scheduleDecider, [created])
      .when({ type: "PauseSchedule", data: { scheduleId }, meta })
      .then([paused]);
    given(scheduleDecider, [created, paused])
      .when({ type: "PauseSchedule", data: { scheduleId }, meta })
      .then([]);
    given(scheduleDecider, [created, paused])
      .when({ type: "ResumeSchedule", data: { scheduleId }, meta })
      .then([{ type: "job-scheduler.schedule.resumed", data: { scheduleId, resumedAt: now.toISOString() } }]);
    given(scheduleDecider, [created]).when({ type: "ResumeSchedule", data: { scheduleId }, meta }).then([]);
  });

  it("triggers a paused schedule and refuses anything on a deleted one", () => {
    const runId = "5f0c7a52-2b3c-4d0e-8f1a-0000000000aa";
    given(scheduleDecider, [created, paused])
      .when({ type: "TriggerSchedule", data: { scheduleId, runId }, meta })
      .then([
        {
          type: "job-scheduler.schedule.triggered",
          data: { scheduleId, runId, triggeredAt: now.toISOString() },
        },
      ]);
    const deleted: ScheduleEvent = {
      type: "job-scheduler.schedule.deleted",
      data: { scheduleId, deletedAt: now.toISOString() },
    };
    given(scheduleDecider, [created, deleted])
      .when({ type: "PauseSchedule", data: { scheduleId }, meta })
      .thenThrows(ScheduleNotFoundError);
  });

  describe("advancing the firing cursor", () => {
    const first = new Date("2026-05-02T01:00:00.000Z");
    const second = new Date("2026-05-03T01:00:00.000Z");
    const advance = {
      type: "AdvanceSchedule" as const,
      data: {
        scheduleId,
        from: { nextFireAt: first, bufferedOccurrence: null },
        fired: [first],
        to: { nextFireAt: second, bufferedOccurrence: null },
      },
      meta,
    };
    const advanced: ScheduleEvent = {
      type: "job-scheduler.schedule.advanced",
      data: {
        scheduleId,
        fired: [first.toISOString()],
        nextFireAt: second.toISOString(),
        bufferedOccurrence: null,
        advancedAt: now.toISOString(),
      },
    };

    it("records what a tick fired and where firing goes on, from the first occurrence after creation", () => {
      given(scheduleDecider, [created]).when(advance).then([advanced]);
    });

    it("decides nothing on a plan made from a cursor that has moved since, or for a paused or deleted schedule", () => {
      given(scheduleDecider, [created, advanced]).when(advance).then([]);
      given(scheduleDecider, [created, paused]).when(advance).then([]);
      const deleted: ScheduleEvent = {
        type: "job-scheduler.schedule.deleted",
        data: { scheduleId, deletedAt: now.toISOString() },
      };
      given(scheduleDecider, [created, deleted]).when(advance).then([]);
    });

    it("decides nothing when a tick fired nothing and left the cursor where it was", () => {
      given(scheduleDecider, [created])
        .when({ ...advance, data: { ...advance.data, fired: [], to: advance.data.from } })
        .then([]);
    });

    it("restarts from the first occurrence after a resume, without the buffered one", () => {
      const buffering: ScheduleEvent = {
        type: "job-scheduler.schedule.advanced",
        data: { ...advanced.data, bufferedOccurrence: second.toISOString() },
      };
      const resumedAt = new Date("2026-05-10T12:00:00.000Z");
      const resumed: ScheduleEvent = {
        type: "job-scheduler.schedule.resumed",
        data: { scheduleId, resumedAt: resumedAt.toISOString() },
      };
      const from = { nextFireAt: new Date("2026-05-11T01:00:00.000Z"), bufferedOccurrence: null };
      given(scheduleDecider, [created, buffering, paused, resumed])
        .when({ ...advance, data: { ...advance.data, from, fired: [from.nextFireAt] } })
        .then([{ ...advanced, data: { ...advanced.data, fired: [from.nextFireAt.toISOString()] } }]);
    });
  });
});
