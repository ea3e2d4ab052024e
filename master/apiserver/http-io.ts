// Reading request bodies and writing responses: size limits, content types, Status errors.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, errors } from "../../api/errors";

/** Kubernetes refuses request bodies over 3 MiB with 413 before parsing them. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume(); // drain without buffering so the socket can answer
    return Promise.reject(errors.tooLarge(`the request body is ${declared} bytes, more than the limit of ${limit} bytes`));
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // Plain stream events rather than `for await`: the async iterator costs several promises and
  // allocations per request, noticeable on small writes.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: unknown, body?: Buffer) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFail);
      req.off("close", onClose);
      if (err === undefined) resolve(body!);
      else reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.resume(); // drain the rest without buffering so the socket can answer
        done(errors.tooLarge(`the request body is more than the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    const onFail = (err: Error) => done(err);
    const onClose = () => done(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFail);
    req.on("close", onClose);
  });
}

export function contentTypeOf(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "application/json").split(";")[0].trim().toLowerCase();
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
