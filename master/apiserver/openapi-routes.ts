// /openapi/v3 and its per-group-version documents. Built once, on first use, then served from
// memory with the caching headers of openapi/respond.ts.

import type { IncomingMessage, ServerResponse } from "node:http";
import { errors } from "../../api/errors";
import { buildOpenApiV3, type OpenApiV3 } from "./openapi/openapi-v3";
import { openApiV3Answer } from "./openapi/respond";

let openApi: OpenApiV3 | undefined;

export function serveOpenApi(req: IncomingMessage, res: ServerResponse, url: URL): void {
  openApi ??= buildOpenApiV3();
  const answer = openApiV3Answer(openApi, url, req.headers["if-none-match"], new Date());
  if (answer.status === 404) throw errors.notFound("", "openapi", answer.what);
  res.writeHead(answer.status, answer.status === 200 ? { ...answer.headers, "Content-Length": String(answer.body.length) } : answer.headers);
  res.end(answer.status === 200 ? answer.body : undefined);
}
