// Renders /openapi.json without any third-party code: the page's CSP allows only this script.

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function resolve(document, schema) {
  if (schema && typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop();
    return document.components?.schemas?.[name] ?? schema;
  }
  return schema;
}

function schemaBlock(document, schema) {
  return element("pre", {}, JSON.stringify(resolve(document, schema), null, 2));
}

function parametersTable(parameters) {
  const rows = parameters.map((parameter) =>
    element(
      "tr",
      {},
      element("td", {}, element("code", {}, parameter.name)),
      element("td", {}, parameter.in),
      element("td", {}, parameter.required ? "yes" : "no"),
      element("td", {}, parameter.description ?? JSON.stringify(parameter.schema ?? {})),
    ),
  );
  const head = element(
    "tr",
    {},
    element("th", {}, "name"),
    element("th", {}, "in"),
    element("th", {}, "required"),
    element("th", {}, "about"),
  );
  return element("table", {}, head, ...rows);
}

function operationView(document, path, method, operation) {
  const summary = element(
    "summary",
    {},
    element("span", { class: `method ${method}` }, method.toUpperCase()),
    element("span", { class: "path" }, path),
    operation.summary ?? "",
  );
  const body = [element("p", {}, `operationId: ${operation.operationId}`)];
  if (operation.parameters?.length)
    body.push(element("h4", {}, "Parameters"), parametersTable(operation.parameters));
  const requestSchema = operation.requestBody?.content?.["application/json"]?.schema;
  if (requestSchema) body.push(element("h4", {}, "Request body"), schemaBlock(document, requestSchema));
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    body.push(element("h4", {}, `${status} — ${response.description ?? ""}`));
    const content = Object.values(response.content ?? {})[0];
    if (content?.schema && status < "400") body.push(schemaBlock(document, content.schema));
  }
  return element("details", {}, summary, ...body);
}

async function render() {
  const response = await fetch("/openapi.json");
  const document = await response.json();
  const about = window.document.getElementById("about");
  about.textContent = `${document.info.description} Version ${document.info.version}.`;
  const byTag = new Map();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const tag = operation.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationView(document, path, method, operation));
    }
  }
  const main = window.document.getElementById("operations");
  for (const [tag, views] of byTag) main.append(element("h2", {}, tag), ...views);
}

render().catch((error) => {
  window.document.getElementById("about").textContent = `Could not load the API description: ${error}`;
});
