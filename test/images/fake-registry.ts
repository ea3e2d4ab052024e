// Test double for a misbehaving or malicious registry, on 127.0.0.1. A real registry
// verifies what it stores, so it cannot serve a blob that does not match its digest or a
// manifest under the wrong digest; this one serves whatever the test put in its maps, and
// can also demand Basic auth, fail the first requests with 503, or cut connections.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { BuiltImage, BuiltIndex } from "./build";

export interface FakeRegistryOptions {
  /** Require these credentials (Basic challenge) on every /v2/ request. */
  basicAuth?: { username: string; password: string };
  /** Answer this many requests with 503 before behaving. */
  failFirst?: number;
  /** Cut the connection halfway through the first GET of each of these blobs (the first half
   *  has 200 ms to be read before the cut). */
  cutBlobsOnce?: string[];
  /** Send the first `bytes` bytes of this blob, and the rest only once `release` resolves. */
  holdBlob?: { digest: string; bytes: number; release: Promise<void> };
}

export interface FakeRegistry {
  host: string;
  url: string;
  /** "repo:tag" or "repo@digest" → manifest served (content type and bytes). */
  manifests: Map<string, { mediaType: string; body: Buffer }>;
  /** digest → bytes served for it, in any repository. */
  blobs: Map<string, Buffer>;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  /** Serve a built image as repo:tag (and repo@digest), with its blobs. */
  addImage(repo: string, tag: string, image: BuiltImage): void;
  addIndex(repo: string, tag: string, index: BuiltIndex): void;
  stop(): Promise<void>;
}

function registryError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code, message }] }));
}

export async function startFakeRegistry(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const manifests = new Map<string, { mediaType: string; body: Buffer }>();
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const toCut = new Set(opts.cutBlobsOnce ?? []);
  let failures = opts.failFirst ?? 0;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}`);
    if (failures > 0) {
      failures--;
      registryError(res, 503, "UNAVAILABLE", "try again later");
      return;
    }
    if (opts.basicAuth) {
      const want = `Basic ${Buffer.from(`${opts.basicAuth.username}:${opts.basicAuth.password}`).toString("base64")}`;
      if (req.headers.authorization !== want) {
        res.setHeader("www-authenticate", 'Basic realm="fake-registry"');
        registryError(res, 401, "UNAUTHORIZED", "authentication required");
        return;
      }
    }
    if (url.pathname === "/v2/" || url.pathname === "/v2") {
      res.writeHead(200).end("{}");
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m || (req.method !== "GET" && req.method !== "HEAD")) {
      registryError(res, 404, "UNSUPPORTED", "not implemented by the fake registry");
      return;
    }
    const [, repo, kind, ref] = m;
    if (kind === "manifests") {
      const found = manifests.get(ref.startsWith("sha256:") ? `${repo}@${ref}` : `${repo}:${ref}`);
      if (!found) {
        registryError(res, 404, "MANIFEST_UNKNOWN", `manifest unknown: ${repo}:${ref}`);
        return;
      }
      res.writeHead(200, { "content-type": found.mediaType, "content-length": found.body.length }).end(req.method === "HEAD" ? undefined : found.body);
      return;
    }
    const blob = blobs.get(ref);
    if (!blob) {
      registryError(res, 404, "BLOB_UNKNOWN", `blob unknown to registry: ${ref}`);
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length });
    if (req.method === "HEAD") {
      res.end();
    } else if (toCut.delete(ref)) {
      res.write(blob.subarray(0, Math.floor(blob.length / 2)), () => setTimeout(() => res.socket?.destroy(), 200));
    } else if (opts.holdBlob?.digest === ref) {
      const { bytes, release } = opts.holdBlob;
      res.write(blob.subarray(0, bytes));
      void release.then(() => res.end(blob.subarray(bytes)));
    } else {
      res.end(blob);
    }
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (typeof addr !== "object" || !addr) throw new Error("fake registry has no address");
  const host = `127.0.0.1:${addr.port}`;

  const addImage = (repo: string, tag: string, image: BuiltImage) => {
    const entry = { mediaType: image.mediaType, body: image.manifest };
    manifests.set(`${repo}:${tag}`, entry);
    manifests.set(`${repo}@${image.digest}`, entry);
    blobs.set(image.configDigest, image.config);
    for (const l of image.layers) blobs.set(l.digest, l.blob);
  };

  return {
    host,
    url: `http://${host}`,
    manifests,
    blobs,
    requests,
    addImage,
    addIndex(repo, tag, index) {
      for (const image of index.images) addImage(repo, image.digest, image);
      const entry = { mediaType: index.mediaType, body: index.bytes };
      manifests.set(`${repo}:${tag}`, entry);
      manifests.set(`${repo}@${index.digest}`, entry);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
