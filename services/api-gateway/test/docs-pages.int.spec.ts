import { existsSync } from "node:fs";
import { testNamespace } from "@tessera/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
const CHROMIUM = "/usr/bin/chromium";

let harness: Harness;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  harness = await startHarness(testNamespace("gwdocs"), gatewayRoutes);
  origin = await harness.app.listen({ port: 0, host: "127.0.0.1" });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

interface Visit {
  page: Page;
  /** Requests to anything but the gateway under test (refused before they leave). */
  elsewhere: string[];
  /** Requests to the gateway, by path. */
  served: string[];
  /** Content-Security-Policy violations the page reported, and console errors. */
  violations: string[];
  errors: string[];
}

async function visit(path: string): Promise<Visit> {
  const context = await browser.newContext();
  const visit: Visit = {
    page: await context.newPage(),
    elsewhere: [],
    served: [],
    violations: [],
    errors: [],
  };
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) visit.served.push(new URL(url).pathname);
    if (url.startsWith(`${origin}/`) || url.startsWith("data:")) return route.continue();
    visit.elsewhere.push(url);
    return route.abort("blockedbyclient");
  });
  await visit.page.exposeFunction("reportViolation", (text: string) => visit.violations.push(text));
  // Runs in the page before its own scripts (text, so this file needs no DOM types).
  await visit.page.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (event) =>
      window.reportViolation(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile + ":" + event.lineNumber));`,
  });
  visit.page.on("console", (message) => {
    if (message.type() === "error") visit.errors.push(message.text());
  });
  visit.page.on("pageerror", (error) => visit.errors.push(error.message));
  // The catalog's page is rendered on its first request, which takes seconds on a busy machine.
  const response = await visit.page.goto(`${origin}${path}`, { timeout: 120_000 });
  expect(response?.status()).toBe(200);
  return visit;
}

/** Whether the page shows `text` within the wait (rendering a large document takes a few seconds). */
async function shows(page: Page, text: string): Promise<boolean> {
  return page
    .getByText(text)
    .first()
    .waitFor({ timeout: 30_000 })
    .then(
      () => true,
      () => false,
    );
}

/** What a visit must not have met: a CSP violation, a console error, a request elsewhere. */
function expectClean(visit: Visit): void {
  expect(visit.violations).toEqual([]);
  expect(visit.errors).toEqual([]);
  expect(visit.elsewhere).toEqual([]);
}

describe("the documentation pages in a real browser", () => {
  it("render the OpenAPI reference at /docs, only from the gateway and within its CSP", async () => {
    const docs = await visit("/docs");
    // Checked before the content, so a refused resource shows as the cause of a page that stays empty.
    const rendered = await shows(docs.page, "Readiness of NATS, Redis and every service");
    expectClean(docs);
    expect(rendered).toBe(true);
    // A tag's operations show once it is opened, as a reader would.
    await docs.page.getByText("auth", { exact: true }).first().click();
    expect(await shows(docs.page, "Sign in with email and password")).toBe(true);
    expect(await docs.page.title()).toContain("Tessera API");
    // Try it out: the reference's client sends the request to this gateway, not through a proxy.
    await docs.page.getByText("Liveness").first().click();
    await docs.page
      .getByRole("button", { name: /Test Request/ })
      .first()
      .click();
    await docs.page.getByRole("button", { name: /^Send/ }).first().click();
    expect(await shows(docs.page, "200 OK")).toBe(true);
    expect(docs.served).toContain("/health");
    expectClean(docs);
    await docs.page.context().close();
  }, 60_000);

  it("render the AsyncAPI catalog at /asyncapi, only from the gateway and within its CSP", async () => {
    const catalog = await visit("/asyncapi");
    const rendered = await shows(catalog.page, "auth publishes auth.account.registered from its outbox");
    expectClean(catalog);
    expect(rendered).toBe(true);
    expect(await shows(catalog.page, "evt.auth.account.registered")).toBe(true);
    expect(await catalog.page.title()).toContain("Tessera bus");
    await catalog.page.context().close();
  }, 180_000);
});
