// Reading request bodies and writing responses: size limits, content types, Status errors.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, errors } from "../../api/errors";

/** Kubernetes refuses request bodies over 3 MiB with 413 before parsing them. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume(); // drain without buffering so the socket can answer
    throw errors.tooLarge(`the request body is ${declared} bytes, more than the limit of ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw errors.tooLarge(`the request body is more than the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function contentTypeOf(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
}

export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": payload.length });
  res.end(payload);
}

export function sendRaw(res: ServerResponse, code: number, contentType: string, payload: Buffer | string, extra: Record<string, string> = {}): void {
  const buf = typeof payload === "string" ? Buffer.from(payload) : payload;
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": buf.length, ...extra });
  res.end(buf);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiError = ApiError.from(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, apiError.code, apiError.toStatus());
}

/** A metav1.Status for a successful operation that has no object to return. */
export function successStatus(details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details };
}
