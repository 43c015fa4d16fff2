import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { busInstruments } from "@tessera/bus";
import { catchUpLagGauges, consumerLagGauges, createLogger, createMetrics } from "@tessera/service-kit";
import { lintExposition, type MetricFamily, parseExposition } from "@tessera/testing";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { createGatewayMetrics } from "../../services/api-gateway/src/app/metrics.ts";
import { runGauges } from "../../services/job-scheduler/src/app/run-metrics.ts";
import { embeddingQueueGauges } from "../../services/memory/src/app/embedding-metrics.ts";
import { repoRoot } from "../services.ts";

/** Series Prometheus makes itself for every target. */
const PROMETHEUS_OWN = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);

/**
 * Every family the services register, from the same instrument factories their runtime calls, on
 * one registry with no I/O: a Kysely that never connects, a bus with no consumers.
 */
async function exposedFamilies(): Promise<MetricFamily[]> {
  const metrics = createMetrics({ service: "all" });
  const logger = createLogger({ service: "all", level: "silent" });
  // biome-ignore lint/suspicious/noExplicitAny: the gauges take any schema's handle.
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  busInstruments(metrics);
  catchUpLagGauges(metrics, { db, schema: "any", logger });
  consumerLagGauges(metrics, { bus: { consumerLag: async () => [] }, logger });
  createGatewayMetrics(metrics);
  embeddingQueueGauges(metrics, { db, logger, clock: () => new Date(), model: "any" });
  runGauges(metrics, { db, logger });
  return parseExposition(await metrics.render());
}

/** The series names a family answers to in PromQL (a classic histogram's only through its suffixes). */
function seriesNames(family: MetricFamily): string[] {
  if (family.type === "HISTOGRAM") return ["_bucket", "_sum", "_count"].map((suffix) => family.name + suffix);
  if (family.type === "SUMMARY") return [family.name, `${family.name}_sum`, `${family.name}_count`];
  return [family.name];
}

/** Metric names an expression selects; throws when it is not valid PromQL. */
function metricNamesIn(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${expr}`);
      if (node.type.name === "Identifier" && node.node.parent?.type.name === "VectorSelector")
        names.push(expr.slice(node.from, node.to));
    },
  });
  return names;
}

const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

const RuleFileSchema = z.strictObject({
  groups: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        interval: z.string().regex(DURATION).optional(),
        rules: z
          .array(
            z.union([
              z.strictObject({
                alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
                expr: z.string().min(1),
                for: z.string().regex(DURATION).optional(),
                labels: z
                  .record(z.string(), z.string())
                  .refine((labels) => labels.severity !== undefined, "severity"),
                annotations: z
                  .record(z.string(), z.string())
                  .refine((notes) => notes.summary !== undefined, "summary"),
              }),
              z.strictObject({
                record: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
                expr: z.string().min(1),
                labels: z.record(z.string(), z.string()).optional(),
              }),
            ]),
          )
          .min(1),
      }),
    )
    .min(1),
});

const DashboardSchema = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), definition: z.string().optional() })),
  }),
  panels: z
    .array(z.object({ title: z.string(), targets: z.array(z.object({ expr: z.string().min(1) })).min(1) }))
    .min(1),
});

/** Grafana's variables, as a query would see them once Grafana has filled them in. */
const asPromQL = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$service", ".*");

describe("deploy/observability", async () => {
  const families = await exposedFamilies();
  const exposed = new Set([...families.flatMap(seriesNames), ...PROMETHEUS_OWN]);
  const rules = RuleFileSchema.parse(parse(read("deploy/observability/alerts.yaml")));
  const dashboard = DashboardSchema.parse(JSON.parse(read("deploy/observability/grafana-dashboard.json")));

  it("registers metrics promtool would accept", () => {
    expect(families.length).toBeGreaterThan(20);
    expect(lintExposition(families)).toEqual([]);
  });

  it("ships alert rules in Prometheus' rule format, on relay lag, consumer lag, dead letters and error rate", () => {
    const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => "alert" in rule);
    expect(new Set(alerts.map((rule) => rule.alert)).size).toBe(alerts.length);
    const watched = alerts.flatMap((rule) => metricNamesIn(rule.expr));
    for (const name of [
      "eventstore_outbox_lag_seconds",
      "bus_consumer_lag_seconds",
      "bus_dead_letters_total",
      "http_request_duration_seconds_count",
    ]) {
      expect(watched, name).toContain(name);
    }
  });

  it("names in its rules and dashboard only metrics the services expose", () => {
    const exprs = [
      ...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => asPromQL(target.expr))),
    ];
    const used = exprs.flatMap((expr) => {
      const names = metricNamesIn(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      return names;
    });
    for (const variable of dashboard.templating.list) {
      const metric = /^label_values\((\w+),/.exec(variable.definition ?? "")?.[1];
      if (metric) used.push(metric);
    }
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("refuses an expression that is not PromQL, and finds the names of one that is", () => {
    expect(() => metricNamesIn("sum(rate(bus_dead_letters_total[5m])")).toThrow(/not PromQL/);
    expect(metricNamesIn('max by (service) (eventstore_outbox_lag_seconds{service=~".*"}) > 60')).toEqual([
      "eventstore_outbox_lag_seconds",
    ]);
  });
});
