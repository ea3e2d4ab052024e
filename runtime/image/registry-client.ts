// OCI distribution (and Docker registry v2) client for pulling: manifests, indexes, blobs.
//
// Transport rules
//   - HTTPS with certificate verification, except registries listed as insecure, which are
//     spoken to over plain HTTP (default: localhost, 127.0.0.1 and [::1], on any port).
//   - 401 -> answer the challenge (registry-auth.ts) once, then retry the request.
//   - Connection errors, timeouts, 429 and 5xx are retried with exponential backoff
//     (`retries` extra attempts); a blob download that breaks mid-stream starts over.
//   - Redirects (blob storage) are followed up to 5 times; Authorization is dropped when the
//     host changes, and https -> http is refused unless the new host is insecure.
//   - Everything downloaded is verified: manifests against the digest asked for (or the
//     Docker-Content-Digest header), blobs against digest and size in the content store.

import * as http from "node:http";
import * as https from "node:https";
import { ManifestAccept, MaxManifestBytes, hostPlatform, parseManifest, selectPlatform, sha256Digest, type ParsedManifest } from "./manifest";
import { canonicalReference, isSha256Digest, manifestReference, registryApiHost, type Reference } from "./reference";
import { RegistryAuthenticator, type AuthConfig } from "./registry-auth";
import { ImageError, isNetworkError, type ContentIngester, type ContentInfo, type Descriptor, type Digest, type ImageErrorCode, type ImageErrorContext, type Manifest, type Platform } from "./types";

export const DefaultInsecureRegistries: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

export interface RegistryClientOptions {
  /** Hosts ("host" = any port, or "host:port") reached over plain HTTP. Default: loopback names. */
  insecureRegistries?: readonly string[];
  auth?: AuthConfig;
  /** Extra CA certificates for HTTPS registries (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Extra attempts after a transient failure; default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry. Default 250 ms. */
  retryDelayMs?: number;
  /** Socket idle timeout per request; default 30 s. */
  timeoutMs?: number;
  /** Maximum concurrent connections per registry host; default 6. */
  maxSockets?: number;
}

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  parsed: ParsedManifest;
}

export interface ResolvedImage {
  /** The platform-specific manifest. */
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  manifest: Manifest;
  /** The index or manifest list the reference pointed at, if any. */
  index?: { digest: Digest; mediaType: string; bytes: Buffer };
}

const maxRedirects = 5;
const maxIndexDepth = 3;

export class RegistryClient {
  private readonly insecure: readonly string[];
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly auth: RegistryAuthenticator;

  constructor(opts: RegistryClientOptions = {}) {
    this.insecure = opts.insecureRegistries ?? DefaultInsecureRegistries;
    this.retries = opts.retries ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 6 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 6, ca: opts.ca });
    this.auth = new RegistryAuthenticator(opts.auth, (url, authorization) => this.fetchToken(url, authorization), (host) => this.isInsecure(host));
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  isInsecure(host: string): boolean {
    const bare = host.replace(/:[0-9]+$/, "");
    return this.insecure.includes(host) || this.insecure.includes(bare);
  }

  /** Resolves `ref` to the manifest for `platform` (default: this host), through indexes. */
  async resolve(ref: Reference, platform: Platform = hostPlatform()): Promise<ResolvedImage> {
    let fetched = await this.fetchManifest(ref, manifestReference(ref));
    let index: ResolvedImage["index"];
    for (let depth = 0; fetched.parsed.kind === "index"; depth++) {
      if (depth >= maxIndexDepth) throw new ImageError("BadManifest", `image indexes nest deeper than ${maxIndexDepth}`, this.ctx(ref, fetched.digest));
      index ??= { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes };
      const chosen = selectPlatform(fetched.parsed.index, platform, fetched.digest);
      fetched = await this.fetchManifest(ref, chosen.digest, chosen);
    }
    const out: ResolvedImage = { digest: fetched.digest, mediaType: fetched.mediaType, bytes: fetched.bytes, manifest: fetched.parsed.manifest };
    if (index) out.index = index;
    return out;
  }

  /** GETs one manifest or index by tag or digest and verifies its digest (and size, given `expected`). */
  async fetchManifest(ref: Reference, reference: string, expected?: Descriptor): Promise<FetchedManifest> {
    const asked = isSha256Digest(reference) ? reference : undefined;
    const ctx = this.ctx(ref, asked);
    const res = await this.request(ref, `manifests/${reference}`, { accept: ManifestAccept }, ctx);
    const bytes = await readAll(res, MaxManifestBytes, ctx);
    const digest = sha256Digest(bytes);
    if (asked !== undefined && digest !== asked) {
      throw new ImageError("DigestMismatch", `the registry served a manifest that hashes to ${digest}`, ctx);
    }
    const claimed = headerOf(res, "docker-content-digest");
    if (claimed !== undefined && claimed.startsWith("sha256:") && claimed !== digest) {
      throw new ImageError("DigestMismatch", `the registry says the manifest is ${claimed} but its bytes hash to ${digest}`, this.ctx(ref, claimed));
    }
    if (expected !== undefined && expected.size !== bytes.length) {
      throw new ImageError("SizeMismatch", `manifest has ${bytes.length} bytes but the index says ${expected.size}`, this.ctx(ref, digest));
    }
    const parsed = parseManifest(bytes, headerOf(res, "content-type"), digest);
    return { digest, mediaType: parsed.mediaType, bytes, parsed };
  }

  /** Streams a blob into `into`, verified against `desc` (digest and size). */
  fetchBlob(ref: Reference, desc: Descriptor, into: ContentIngester, onBytes?: (n: number) => void): Promise<ContentInfo> {
    let received = 0;
    return this.withBlob(
      ref,
      desc,
      (res) =>
        into.ingest({ digest: desc.digest, size: desc.size }, res, (n) => {
          received += n;
          onBytes?.(n);
        }),
      () => {
        onBytes?.(-received); // progress restarts with the retry
        received = 0;
      },
    );
  }

  /**
   * GETs a blob and hands the response to `consume`. A network error, from the request or
   * from `consume` reading the body, starts over (after `onRetry`, which must undo whatever
   * `consume` did) up to `retries` times; other errors end it, named by the blob's digest.
   */
  async withBlob<T>(ref: Reference, desc: Descriptor, consume: (body: http.IncomingMessage) => Promise<T>, onRetry: () => void | Promise<void> = () => undefined): Promise<T> {
    const ctx = this.ctx(ref, desc.digest);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.request(ref, `blobs/${desc.digest}`, {}, ctx);
        try {
          return await consume(res);
        } finally {
          res.destroy(); // a refused blob may not have been read to the end
        }
      } catch (err) {
        // Local failures (disk full…) while consuming are not the registry's: passed on as they are.
        if (!(err instanceof ImageError) && !isNetworkError(err)) throw err;
        if (!isNetworkError(err) || attempt >= this.retries) throw ImageError.from(err, ctx);
        await onRetry();
        await sleep(this.backoff(attempt));
      }
    }
  }

  private ctx(ref: Reference, digest?: Digest): ImageErrorContext {
    const c: ImageErrorContext = { image: canonicalReference(ref), registry: ref.registry };
    if (digest !== undefined) c.digest = digest;
    return c;
  }

  private backoff(attempt: number): number {
    return this.retryDelayMs * 2 ** attempt * (0.75 + Math.random() / 2);
  }

  /** GET /v2/<repo>/<rest> with auth, retries and redirects; resolves only with a 2xx response. */
  private async request(ref: Reference, rest: string, headers: Record<string, string>, ctx: ImageErrorContext): Promise<http.IncomingMessage> {
    const host = registryApiHost(ref.registry);
    const url = new URL(`${this.isInsecure(host) ? "http" : "https"}://${host}/v2/${ref.repository}/${rest}`);
    const scope = `repository:${ref.repository}:pull`;
    let answered = false;
    for (let attempt = 0; ; ) {
      const authorization = this.auth.header(ref.registry, scope);
      let res: http.IncomingMessage;
      try {
        res = await this.get(url, { ...headers, ...(authorization ? { authorization } : {}) });
      } catch (err) {
        if (!isNetworkError(err) || attempt >= this.retries) throw ImageError.from(err, ctx);
        await sleep(this.backoff(attempt++));
        continue;
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      const body = await readAll(res, 64 * 1024, ctx).catch(() => Buffer.alloc(0));
      if (status === 401 && !answered) {
        answered = true;
        this.auth.forget(ref.registry, scope);
        await this.auth.answer(ref.registry, scope, headerOf(res, "www-authenticate"), ctx);
        continue;
      }
      if ((status === 429 || (status >= 500 && status !== 501)) && attempt < this.retries) {
        await sleep(this.backoff(attempt++));
        continue;
      }
      throw registryError(status, body, ctx);
    }
  }

  /** One GET following redirects; the response body is left unread. */
  private async get(start: URL, headers: Record<string, string>): Promise<http.IncomingMessage> {
    let url = start;
    for (let hops = 0; ; hops++) {
      const res = await this.send(url, headers);
      const status = res.statusCode ?? 0;
      const location = headerOf(res, "location");
      if (![301, 302, 303, 307, 308].includes(status) || location === undefined) return res;
      res.resume();
      if (hops >= maxRedirects) throw new ImageError("Network", `more than ${maxRedirects} redirects fetching ${start.href}`);
      const next = new URL(location, url);
      if (next.protocol === "http:" && !this.isInsecure(next.host)) throw new ImageError("Network", `refusing redirect to plain-HTTP ${next.origin}`);
      if (next.host !== url.host) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
  }

  private send(url: URL, headers: Record<string, string>): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const mod = url.protocol === "https:" ? https : http;
      const agent = url.protocol === "https:" ? this.httpsAgent : this.httpAgent;
      const req = mod.get(url, { agent, headers: { "user-agent": "gantry", ...headers } }, resolve);
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error(`no data from ${url.host} for ${this.timeoutMs} ms`), { code: "ETIMEDOUT" })));
      req.on("error", reject);
    });
  }

  private async fetchToken(url: URL, authorization: string | undefined): Promise<{ status: number; body: string }> {
    const ctx: ImageErrorContext = { registry: url.host };
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.get(url, authorization ? { authorization } : {});
        const body = (await readAll(res, 1024 * 1024, ctx)).toString("utf8");
        const status = res.statusCode ?? 0;
        if ((status === 429 || status >= 500) && attempt < this.retries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        return { status, body };
      } catch (err) {
        if (!isNetworkError(err) || attempt >= this.retries) throw ImageError.from(err, ctx);
        await sleep(this.backoff(attempt));
      }
    }
  }
}

/** Maps a registry error response ({"errors":[{code,message}]}) to an ImageError. */
function registryError(status: number, body: Buffer, ctx: ImageErrorContext): ImageError {
  let message = "";
  try {
    const doc = JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] };
    message = (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(": ")).join("; ");
  } catch {
    message = body.toString("utf8").replace(/\s+/g, " ").trim().slice(0, 200);
  }
  const code: ImageErrorCode = status === 404 ? "NotFound" : status === 401 || status === 403 ? "Unauthorized" : "Network";
  return new ImageError(code, `registry answered HTTP ${status}${message ? `: ${message}` : ""}`, ctx);
}

function headerOf(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readAll(res: http.IncomingMessage, limit: number, ctx: ImageErrorContext): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw new ImageError("BadManifest", `response is larger than ${limit} bytes`, ctx);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
