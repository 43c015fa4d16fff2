import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

/** A family as prom2json shows it (name, help, type), with every series of its own. */
export interface MetricFamily extends Pick<ParsedFamily, "name" | "help" | "type"> {
  /** Sample lines of the family: `_bucket`, `_sum`, `_count` ones for a histogram or summary. */
  readonly series: readonly Series[];
}

export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The Prometheus text exposition as metric families; throws on a malformed text. The library
 * validates the format and reads the families, but collapses a histogram's labelled series into one,
 * so the series are read from the sample lines here.
 */
export function parseExposition(text: string): MetricFamily[] {
  const families = parsePrometheusTextFormat(text);
  const lines = text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map(parseSampleLine);
  return families.map((family) => ({
    name: family.name,
    help: family.help,
    type: family.type,
    series: lines.filter((line) => belongsTo(line.name, family)),
  }));
}

function belongsTo(seriesName: string, family: ParsedFamily): boolean {
  if (seriesName === family.name) return true;
  const suffixes =
    family.type === "HISTOGRAM"
      ? ["_bucket", "_sum", "_count"]
      : family.type === "SUMMARY"
        ? ["_sum", "_count"]
        : [];
  return suffixes.some((suffix) => seriesName === `${family.name}${suffix}`);
}

/** `name{label="value",…} value [timestamp]`, label values with the format's escapes (\\, \", \n). */
function parseSampleLine(line: string): Series {
  const open = line.indexOf("{");
  const nameEnd = open === -1 ? line.search(/\s/) : open;
  const name = line.slice(0, nameEnd);
  const labels: Record<string, string> = {};
  let at = nameEnd;
  if (open !== -1) {
    at = open + 1;
    while (line[at] !== "}") {
      const equals = line.indexOf("=", at);
      const label = line.slice(at, equals).trim();
      let value = "";
      at = equals + 2; // past `="`
      for (; line[at] !== '"'; at++) {
        if (line[at] === "\\") {
          at++;
          value += line[at] === "n" ? "\n" : line[at];
        } else value += line[at];
      }
      labels[label] = value;
      at++; // past the closing quote
      if (line[at] === ",") at++;
    }
    at++; // past `}`
  }
  const [value = "NaN"] = line.slice(at).trim().split(/\s+/);
  return { name, labels, value: Number(value) };
}

/** GET `url` and parse it; fails unless it answers 200 with the text exposition's content type. */
export async function scrapeMetrics(url: string): Promise<MetricFamily[]> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 200)}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`${url} answered content type ${type}`);
  return parseExposition(text);
}

/**
 * The value of a counter or gauge, or the observation count of a histogram or summary, summed over
 * the series whose labels include `labels`; undefined when the family or every such series is absent.
 */
export function metricValue(
  families: readonly MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined) return undefined;
  const counted = family.type === "HISTOGRAM" || family.type === "SUMMARY" ? `${name}_count` : name;
  const series = family.series.filter(
    (candidate) =>
      candidate.name === counted &&
      Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  );
  if (series.length === 0) return undefined;
  return series.reduce((total, candidate) => total + candidate.value, 0);
}

// promtool's `check metrics` rules (client_golang promlint), as promtool itself is not installable here.
const CAMEL_CASE = /[a-z][A-Z]/;
const UNITS: Readonly<Record<string, string>> = {
  amperes: "amperes",
  bytes: "bytes",
  celsius: "celsius",
  grams: "grams",
  joules: "joules",
  kelvin: "kelvin",
  meters: "meters",
  metres: "metres",
  seconds: "seconds",
  volts: "volts",
  minutes: "seconds",
  hours: "seconds",
  days: "seconds",
  weeks: "seconds",
  kelvins: "kelvin",
  fahrenheit: "celsius",
  rankine: "celsius",
  inches: "meters",
  yards: "meters",
  miles: "meters",
  bits: "bytes",
  calories: "joules",
  pounds: "grams",
  ounces: "grams",
};
const UNIT_PREFIXES = [
  "pico",
  "nano",
  "micro",
  "milli",
  "centi",
  "deci",
  "deca",
  "hecto",
  "kilo",
  "kibi",
  "mega",
  "mibi",
  "giga",
  "gibi",
  "tera",
  "tebi",
  "peta",
  "pebi",
];
const UNIT_ABBREVIATIONS = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"];
const TYPE_NAMES = ["counter", "gauge", "histogram", "summary"];

/** The unit a name carries and its base unit, from the first word that names one. */
function unitOf(name: string): { unit: string; base: string } | undefined {
  for (const word of name.split("_")) {
    const base = UNITS[word];
    if (base !== undefined) return { unit: word, base };
    for (const prefix of UNIT_PREFIXES) {
      const rest = word.startsWith(prefix) ? UNITS[word.slice(prefix.length)] : undefined;
      if (rest !== undefined) return { unit: word, base: rest };
    }
  }
  return undefined;
}

const hasWord = (name: string, word: string) => name.includes(`_${word}_`) || name.endsWith(`_${word}`);

/** What promtool's `check metrics` would say about one family, as `<name>: <problem>` lines. */
export function lintFamily(family: MetricFamily): string[] {
  const { name, type } = family;
  const problems: string[] = [];
  const labelNames = new Set(family.series.flatMap((series) => Object.keys(series.labels)));
  if (family.help.trim() === "") problems.push("no help text");
  const unit = unitOf(name);
  if (unit && unit.unit !== unit.base)
    problems.push(`use base unit "${unit.base}" instead of "${unit.unit}"`);
  const total = name.endsWith("_total");
  if (type === "COUNTER" && !total) problems.push('counter metrics should have "_total" suffix');
  if (type !== "COUNTER" && type !== "UNTYPED" && total)
    problems.push('non-counter metrics should not have "_total" suffix');
  if (type !== "UNTYPED") {
    const histogram = type === "HISTOGRAM";
    const summary = type === "SUMMARY";
    if (!histogram && name.endsWith("_bucket"))
      problems.push('non-histogram metrics should not have "_bucket" suffix');
    for (const suffix of ["_count", "_sum"]) {
      if (!histogram && !summary && name.endsWith(suffix))
        problems.push(`non-histogram and non-summary metrics should not have "${suffix}" suffix`);
    }
    // A histogram's `le` is on its `_bucket` series only.
    if (!histogram && labelNames.has("le")) problems.push('non-histogram metrics should not have "le" label');
    if (!summary && labelNames.has("quantile"))
      problems.push('non-summary metrics should not have "quantile" label');
  }
  for (const typeName of TYPE_NAMES) {
    if (hasWord(name.toLowerCase(), typeName))
      problems.push(`metric name should not include type '${typeName}'`);
  }
  if (name.includes(":")) problems.push("metric names should not contain ':'");
  if (CAMEL_CASE.test(name)) problems.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const label of labelNames) {
    if (label === "le" || label === "quantile") continue;
    if (CAMEL_CASE.test(label))
      problems.push(`label names should be written in 'snake_case' not 'camelCase' (${label})`);
  }
  if (UNIT_ABBREVIATIONS.some((abbreviation) => hasWord(name.toLowerCase(), abbreviation)))
    problems.push("metric names should not contain abbreviated units");
  return problems.map((problem) => `${name}: ${problem}`);
}

/** Every family's problems, plus families listed twice; empty when promtool would pass the text. */
export function lintExposition(families: readonly MetricFamily[]): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const family of families) {
    if (seen.has(family.name)) problems.push(`${family.name}: listed more than once`);
    seen.add(family.name);
    problems.push(...lintFamily(family));
  }
  return problems;
}
