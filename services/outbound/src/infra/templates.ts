import { readFileSync } from "node:fs";
import Handlebars from "handlebars";
import type { SystemEmail } from "../app/channels.ts";

/** The platform's own emails, one template set (subject, text, HTML) each in `infra/templates/`. */
export type TemplateName = SystemEmail["purpose"];

/** What each template reads; every value is data, escaped in HTML by Handlebars' `{{…}}`. */
export interface TemplateValues {
  "password-reset": { recipient: string; link: string; validFor: string };
  "email-verification": { recipient: string; link: string; validFor: string };
  invitation: { recipient: string; link: string; projectName: string; role: string; expiresOn: string };
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface EmailTemplates {
  render<N extends TemplateName>(name: N, values: TemplateValues[N]): RenderedEmail;
}

const NAMES: readonly TemplateName[] = ["password-reset", "email-verification", "invitation"];
/** The product name in every email. */
const PRODUCT = "Tessera";
/** Longest subject line kept (a header line; RFC 5322 recommends 78 characters per line). */
const SUBJECT_MAX = 200;

type Compiled = { subject: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate };

/**
 * Compiles the templates once, in an isolated Handlebars environment, `strict` (a missing value
 * throws instead of rendering empty). HTML escapes every `{{…}}`; the text and subject are plain
 * text, not escaped, and the subject is one line. The HTML is `layout.html` around the named
 * template's HTML partial.
 */
export function loadEmailTemplates(): EmailTemplates {
  const handlebars = Handlebars.create();
  for (const name of NAMES) handlebars.registerPartial(name, read(`${name}.html`));
  const layout = handlebars.compile(read("layout.html"), { strict: true });
  const compiled = new Map<TemplateName, Compiled>(
    NAMES.map((name) => [
      name,
      {
        subject: handlebars.compile(read(`${name}.subject`), { noEscape: true, strict: true }),
        text: handlebars.compile(read(`${name}.text`), { noEscape: true, strict: true }),
      },
    ]),
  );

  return {
    render(name, values) {
      const templates = compiled.get(name);
      if (!templates) throw new TypeError(`no email template ${name}`);
      const data = { ...values, product: PRODUCT };
      const subject = oneLine(templates.subject(data));
      // The layout includes the template's own HTML as the partial named `template` (ours, never data).
      const html = layout({ ...data, subject, template: name });
      return { subject, text: templates.text(data), html };
    },
  };
}

function read(name: string): string {
  return readFileSync(new URL(`./templates/${name}.hbs`, import.meta.url), "utf8");
}

function oneLine(text: string): string {
  const line = text.replace(/[\r\n\t\s]+/g, " ").trim();
  return line.length > SUBJECT_MAX ? `${line.slice(0, SUBJECT_MAX - 1)}…` : line;
}
