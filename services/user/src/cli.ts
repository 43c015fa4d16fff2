/**
 * `npm run cli -- <area> …`: the platform's command line, one module per area.
 *   admin grant|revoke <email>   platform admin role (cli-admin.ts)
 *   mail list [--limit N]        emails the local mail catcher caught (cli-mail.ts)
 */
const [area] = process.argv.slice(2);
if (area === "mail") await import("./cli-mail.ts");
else await import("./cli-admin.ts");
