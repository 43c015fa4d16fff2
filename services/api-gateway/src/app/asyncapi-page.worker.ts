import { parentPort, workerData } from "node:worker_threads";
import { Parser } from "@asyncapi/parser";
import withoutParser from "@asyncapi/react-component/lib/cjs/without-parser.js";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { z } from "zod";

/**
 * Renders the AsyncAPI catalog (`workerData`: its JSON text) with the AsyncAPI React component into
 * HTML, and posts it back; without the sidebar, which opens with a script the page does not run.
 * Seconds of synchronous work, hence a worker: the gateway's event loop keeps serving meanwhile.
 */
const catalog = z.string().parse(workerData);
const { document, diagnostics } = await new Parser().parse(catalog);
if (document === undefined) throw new Error(`the catalog does not parse: ${JSON.stringify(diagnostics)}`);
parentPort?.postMessage(
  renderToString(
    createElement(withoutParser.default, { schema: document, config: { show: { sidebar: false } } }),
  ),
);
