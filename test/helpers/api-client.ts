// A minimal HTTPS client for tests that need to see raw API answers (status codes, Status
// bodies, watch streams), authenticated with the admin kubeconfig's client certificate.

import https from "node:https";
import { readFileSync } from "node:fs";
import YAML from "yaml";

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

interface Kubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { "client-certificate-data"?: string; "client-key-data"?: string; token?: string } }[];
}

export class ApiClient {
  readonly server: URL;
  private readonly agent: https.Agent;

  /** `Authorization` for every request: the kubeconfig user's token, or options.token. */
  private readonly authorization: Record<string, string>;

  constructor(kubeconfigPath: string, options: { anonymous?: boolean; token?: string } = {}) {
    const kc = YAML.parse(readFileSync(kubeconfigPath, "utf8")) as Kubeconfig;
    const cluster = kc.clusters[0].cluster;
    const user = kc.users[0].user;
    this.server = new URL(cluster.server);
    const token = options.anonymous ? undefined : (options.token ?? user.token);
    this.authorization = token ? { Authorization: `Bearer ${token}` } : {};
    const b64 = (s?: string) => (s ? Buffer.from(s, "base64") : undefined);
    this.agent = new https.Agent({
      ca: b64(cluster["certificate-authority-data"]),
      cert: options.anonymous || options.token ? undefined : b64(user["client-certificate-data"]),
      key: options.anonymous || options.token ? undefined : b64(user["client-key-data"]),
      keepAlive: true,
    });
  }

  /** `timeoutMs`: reject (and abort the request) if no complete answer arrives within it. */
  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.server.hostname, port: this.server.port, path, method, agent: this.agent, headers: { "Content-Type": "application/json", Accept: "application/json", ...(payload ? { "Content-Length": payload.length } : {}), ...this.authorization, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: <T>() => JSON.parse(text) as T });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs}ms`)));
      req.end(payload);
    });
  }

  /**
   * Streams a watch: `onEvent` for every event line, `onEnd` once when the stream ends for any
   * reason (status other than 200, server gone, close(); `err` when the request failed). Returns close().
   */
  openWatch(path: string, onEvent: (event: { type: string; object: Record<string, unknown> }) => void, onEnd: (why: string, err?: Error) => void): { close(): void } {
    let ended = false;
    const end = (why: string, err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(why, err);
    };
    let buffered = "";
    const req = https.request({ host: this.server.hostname, port: this.server.port, path, method: "GET", agent: this.agent, headers: { Accept: "application/json", ...this.authorization } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        end(`status ${res.statusCode}`);
        req.destroy();
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          let event: { type: string; object: Record<string, unknown> };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            end(`not JSON: ${line.slice(0, 200)}`);
            req.destroy();
            return;
          }
          onEvent(event);
        }
      });
      res.on("end", () => end("stream ended"));
      res.on("error", (err) => end(err.message, err));
    });
    req.on("error", (err) => end(err.message, err));
    req.on("close", () => end("closed"));
    req.end();
    return { close: () => req.destroy() };
  }

  /** Opens a watch and collects events until `until` returns true, the stream ends or the timeout passes. */
  watch(path: string, until: (events: { type: string; object: Record<string, unknown> }[]) => boolean, timeoutMs = 15_000): Promise<{ type: string; object: Record<string, unknown> }[]> {
    return new Promise((resolve, reject) => {
      const events: { type: string; object: Record<string, unknown> }[] = [];
      const timer = setTimeout(() => {
        stream.close();
        resolve(events);
      }, timeoutMs);
      const stream = this.openWatch(
        path,
        (event) => {
          events.push(event);
          if (until(events)) {
            clearTimeout(timer);
            stream.close();
            resolve(events);
          }
        },
        (_why, err) => {
          clearTimeout(timer);
          if (err && (err as NodeJS.ErrnoException).code !== "ECONNRESET") reject(err);
          else resolve(events);
        },
      );
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
