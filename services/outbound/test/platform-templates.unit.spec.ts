import { describe, expect, it } from "vitest";
import { linkTo } from "../src/app/platform-emails.ts";
import { loadEmailTemplates } from "../src/infra/templates.ts";

const templates = loadEmailTemplates();
/** HTML attribute text as a browser reads it (Handlebars also escapes `=` and backticks). */
const decoded = (html: string): string =>
  html.replaceAll("&#x3D;", "=").replaceAll("&#x60;", "`").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> & {{token}}`;

describe("the platform's email templates", () => {
  it("escapes a hostile project name in the HTML and keeps it as typed in the text", () => {
    const email = templates.render("invitation", {
      recipient: "eve@example.com",
      link: "https://app.example.org/console/invitations/7d3f",
      projectName: HOSTILE,
      role: "member",
      expiresOn: "2026-12-08 (UTC)",
    });
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img");
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(email.html).toContain("&amp; {{token}}");
    expect(email.text).toContain(`"${HOSTILE}"`);
    expect(email.subject).toBe(`You are invited to join ${HOSTILE} on Tessera`);
    expect(email.html).toContain('href="https://app.example.org/console/invitations/7d3f"');
    expect(email.html).toMatch(/^<!doctype html>/);
  });

  it("keeps the subject on one line whatever the data holds", () => {
    const email = templates.render("invitation", {
      recipient: "eve@example.com",
      link: "https://app.example.org/console/invitations/7d3f",
      projectName: "Acme\r\nBcc: victim@example.com",
      role: "admin",
      expiresOn: "2026-12-08 (UTC)",
    });
    expect(email.subject).toBe("You are invited to join Acme Bcc: victim@example.com on Tessera");
  });

  it("puts the link into reset and verification emails, in the text and the HTML", () => {
    const link = "https://app.example.org/console/reset-password?token=abc_DEF-123";
    const reset = templates.render("password-reset", {
      recipient: "ada@example.com",
      link,
      validFor: "30 minutes",
    });
    expect(reset.subject).toBe("Reset your Tessera password");
    expect(reset.text).toContain(`\n${link}\n`);
    expect(reset.text).toContain("within 30 minutes");
    expect(decoded(reset.html)).toContain(`href="${link}"`);

    const verify = templates.render("email-verification", {
      recipient: "ada@example.com",
      link: "https://app.example.org/console/verify-email?token=t&x=1",
      validFor: "48 hours",
    });
    expect(verify.subject).toBe("Confirm your email address for Tessera");
    expect(verify.html).toContain("token&#x3D;t&amp;x&#x3D;1");
    expect(decoded(verify.html)).toContain('href="https://app.example.org/console/verify-email?token=t&x=1"');
    expect(verify.text).toContain("https://app.example.org/console/verify-email?token=t&x=1");
  });

  it("refuses to render with a value missing rather than send an empty link", () => {
    expect(() =>
      templates.render("password-reset", { recipient: "ada@example.com", validFor: "30 minutes" } as never),
    ).toThrow(/link/);
  });

  it("builds links below the app URL, keeping its path and encoding the token", () => {
    expect(linkTo("http://127.0.0.1:8080", "/console/reset-password", { token: "a+b/c=" })).toBe(
      "http://127.0.0.1:8080/console/reset-password?token=a%2Bb%2Fc%3D",
    );
    expect(linkTo("https://example.org/app/", "/console/invitations/42")).toBe(
      "https://example.org/app/console/invitations/42",
    );
  });
});
