// /openapi/v3 (its per-group-version documents) and /openapi/v2 (one Swagger 2.0 document
// converted from them). Built once, on first use, then served from memory with the caching
// headers of openapi/respond.ts and openapi/respond-v2.ts.

import type { IncomingMessage, ServerResponse } from "node:http";
import { errors } from "../../api/errors";
import { buildOpenApiV2, type OpenApiV2 } from "./openapi/openapi-v2";
import { buildOpenApiV3, type OpenApiV3 } from "./openapi/openapi-v3";
import { openApiV3Answer } from "./openapi/respond";
import { openApiV2Answer } from "./openapi/respond-v2";

let openApiV3: OpenApiV3 | undefined;
let openApiV2: OpenApiV2 | undefined;

function v3(): OpenApiV3 {
  openApiV3 ??= buildOpenApiV3();
  return openApiV3;
}

export function serveOpenApi(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const answer = openApiV3Answer(v3(), url, req.headers["if-none-match"], new Date());
  if (answer.status === 404) throw errors.notFound("", "openapi", answer.what);
  res.writeHead(answer.status, answer.status === 200 ? { ...answer.headers, "Content-Length": String(answer.body.length) } : answer.headers);
  res.end(answer.status === 200 ? answer.body : undefined);
}

export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse): void {
  openApiV2 ??= buildOpenApiV2(v3());
  const answer = openApiV2Answer(openApiV2, { accept: req.headers.accept, acceptEncoding: req.headers["accept-encoding"], ifNoneMatch: req.headers["if-none-match"] });
  if (answer.status === 406) throw errors.notAcceptable(answer.message);
  res.writeHead(answer.status, answer.status === 200 ? { ...answer.headers, "Content-Length": String(answer.body.length) } : answer.headers);
  res.end(answer.status === 200 ? answer.body : undefined);
}
