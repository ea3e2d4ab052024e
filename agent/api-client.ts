// The agent's HTTPS client for the Kubernetes API: JSON requests to one server, trusting one CA
// (or nothing, for discovery's first read of cluster-info — which then carries no credentials),
// authenticating with a bootstrap token or the node's client certificate. Credentials are read
// per request, so a rotated certificate is used from the next request on. This file talks
// HTTPS only; it imports nothing of master/.

import https from "node:https";

export type Credentials = { token: string } | { certPem: string; keyPem: string } | undefined;

export interface ApiClientOptions {
  /** https://host:port */
  server: string;
  /** The cluster CA; required unless `insecure` (and then no credentials may be sent). */
  caPem?: string;
  /** Skip verifying the server: only for anonymous reads whose answer is checked otherwise. */
  insecure?: boolean;
  credentials?: () => Credentials;
  timeoutMs?: number;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

export class ApiClient {
  private readonly base: URL;

  constructor(private readonly o: ApiClientOptions) {
    this.base = new URL(o.server);
    if (this.base.protocol !== "https:") throw new ApiRequestError(`the API server must be an https:// URL (got ${o.server})`);
    if (!o.insecure && !o.caPem) throw new ApiRequestError("no cluster CA to verify the API server with");
  }

  get server(): string {
    return this.base.origin;
  }

  /** One request; resolves with any HTTP status, rejects only when the server cannot be reached. */
  request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiAnswer> {
    const credentials = this.o.credentials?.();
    if (this.o.insecure && credentials) return Promise.reject(new ApiRequestError("refusing to send credentials to a server that is not verified"));
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: this.base.hostname,
          port: this.base.port || 443,
          path,
          method,
          ca: this.o.caPem,
          rejectUnauthorized: !this.o.insecure,
          ...(credentials && "certPem" in credentials ? { cert: credentials.certPem, key: credentials.keyPem } : {}),
          agent: false,
          timeout: this.o.timeoutMs ?? 15_000,
          headers: {
            Accept: "application/json",
            "User-Agent": "gantry-agent",
            ...(credentials && "token" in credentials ? { Authorization: `Bearer ${credentials.token}` } : {}),
            ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new ApiRequestError(`${method} ${this.base.origin}${path} timed out`)));
      req.on("error", (err) => reject(err instanceof ApiRequestError ? err : new ApiRequestError(`cannot reach the API server at ${this.base.origin}: ${err.message}`)));
      req.end(payload);
    });
  }
}

/** The Status message of an error answer, or its text. */
export function answerMessage(a: ApiAnswer): string {
  return typeof a.body === "object" && a.body !== null && "message" in a.body ? String((a.body as { message: unknown }).message) : String(a.body);
}
