// Builds OCI images without docker: layers are tar(.gz) streams made with tar-stream, configs
// and manifests are JSON we write, and a small push client uploads them to a registry
// (monolithic blob upload: POST then PUT ?digest=, manifest PUT). Everything is
// deterministic (fixed mtimes, gzip without timestamps), so digests are stable across runs.
//
// Test images (see pushTestImages):
//   gantry-test/busybox    layer 1: /bin/busybox (from Debian busybox-static) + a symlink in /bin
//                                   for every applet it has (`busybox --list`)
//                          layer 2: /etc/passwd, /hello.txt, /data/{a.txt,b.txt,a-link,...}
//   gantry-test/whiteout   busybox + a layer deleting /hello.txt and making /data opaque
//   gantry-test/httpd      busybox + /www/index.html; runs `busybox httpd -f -p 8080 -h /www`
//   gantry-test/fail       busybox; exits 3
//   gantry-test/multiarch  an index: linux/amd64 (= busybox) and linux/arm64 (a marker layer)

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as tar from "tar-stream";

export type EntryType = "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";

export interface TarEntry {
  name: string;
  type?: EntryType;
  content?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  mtime?: Date;
  /** Extra pax records, e.g. { "SCHILY.xattr.user.k": "v" }. */
  pax?: Record<string, string>;
}

export interface Layer {
  mediaType: string;
  blob: Buffer;
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar: what the config's rootfs.diff_ids lists. */
  diffId: string;
}

export interface BuiltImage {
  mediaType: string;
  manifest: Buffer;
  digest: string;
  config: Buffer;
  configDigest: string;
  layers: Layer[];
  platform: { os: string; architecture: string; variant?: string };
}

export interface BuiltIndex {
  mediaType: string;
  bytes: Buffer;
  digest: string;
  images: BuiltImage[];
}

export const FixedMtime = new Date("2024-01-02T03:04:05Z");
export const BusyboxPath = "/bin/busybox";

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export async function makeTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const out: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) out.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const header: tar.Header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? FixedMtime,
      linkname: e.linkname ?? "",
      devmajor: e.devmajor ?? 0,
      devminor: e.devminor ?? 0,
      size: 0,
      uname: "",
      gname: "",
    };
    if (e.pax) header.pax = e.pax;
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === "file") pack.entry(header, typeof e.content === "string" ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0)), cb);
      else pack.entry(header, cb).end(undefined);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(out);
}

export function layerFromTar(tarBytes: Buffer, compression: "gzip" | "none" = "gzip"): Layer {
  const blob = compression === "gzip" ? gzipSync(tarBytes, { level: 6 }) : tarBytes;
  return {
    mediaType: compression === "gzip" ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
    blob,
    digest: sha256(blob),
    size: blob.length,
    diffId: sha256(tarBytes),
  };
}

export async function makeLayer(entries: readonly TarEntry[], compression: "gzip" | "none" = "gzip"): Promise<Layer> {
  return layerFromTar(await makeTar(entries), compression);
}

export interface ImageOptions {
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  exposedPorts?: string[];
  architecture?: string;
  /** Override the config's diff IDs (to build images that lie about their layers). */
  diffIds?: string[];
  /** "docker" builds a Docker v2 schema 2 manifest instead of an OCI one. */
  format?: "oci" | "docker";
}

export function makeImage(layers: readonly Layer[], opts: ImageOptions = {}): BuiltImage {
  const docker = opts.format === "docker";
  const architecture = opts.architecture ?? "amd64";
  const config = Buffer.from(
    JSON.stringify({
      created: FixedMtime.toISOString(),
      architecture,
      os: "linux",
      config: {
        Env: opts.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        ...(opts.cmd ? { Cmd: opts.cmd } : {}),
        ...(opts.entrypoint ? { Entrypoint: opts.entrypoint } : {}),
        ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
        ...(opts.exposedPorts ? { ExposedPorts: Object.fromEntries(opts.exposedPorts.map((p) => [p, {}])) } : {}),
      },
      rootfs: { type: "layers", diff_ids: opts.diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: FixedMtime.toISOString(), created_by: "gantry test/images/build.ts" })),
    }),
  );
  const mediaType = docker ? "application/vnd.docker.distribution.manifest.v2+json" : "application/vnd.oci.image.manifest.v1+json";
  const layerType = (l: Layer) => (docker && l.mediaType.endsWith("+gzip") ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : l.mediaType);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: layerType(l), digest: l.digest, size: l.size })),
    }),
  );
  return { mediaType, manifest, digest: sha256(manifest), config, configDigest: sha256(config), layers: [...layers], platform: { os: "linux", architecture } };
}

export function makeIndex(images: readonly BuiltImage[]): BuiltIndex {
  const mediaType = "application/vnd.oci.image.index.v1+json";
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: images.map((i) => ({ mediaType: i.mediaType, digest: i.digest, size: i.manifest.length, platform: i.platform })),
    }),
  );
  return { mediaType, bytes, digest: sha256(bytes), images: [...images] };
}

// ---------------------------------------------------------------------------------------
// Push client (plain HTTP to a loopback registry).

async function expectStatus(res: Response, want: number, what: string): Promise<void> {
  if (res.status !== want) throw new Error(`${what}: registry answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

export async function pushBlob(registryUrl: string, repo: string, blob: Buffer, digest = sha256(blob)): Promise<string> {
  const head = await fetch(`${registryUrl}/v2/${repo}/blobs/${digest}`, { method: "HEAD" });
  if (head.status === 200) return digest;
  const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await expectStatus(start, 202, `start upload to ${repo}`);
  const location = new URL(start.headers.get("location") ?? "", registryUrl);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: blob });
  await expectStatus(put, 201, `upload blob ${digest} to ${repo}`);
  return digest;
}

export async function pushManifest(registryUrl: string, repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
  const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${reference}`, { method: "PUT", headers: { "content-type": mediaType }, body: bytes });
  await expectStatus(res, 201, `put manifest ${repo}:${reference}`);
  return res.headers.get("docker-content-digest") ?? sha256(bytes);
}

/** Pushes layers, config and manifest; returns the manifest digest. */
export async function pushImage(registryUrl: string, repo: string, tag: string, image: BuiltImage): Promise<string> {
  for (const l of image.layers) await pushBlob(registryUrl, repo, l.blob, l.digest);
  await pushBlob(registryUrl, repo, image.config);
  return pushManifest(registryUrl, repo, tag, image.manifest, image.mediaType);
}

export async function pushIndex(registryUrl: string, repo: string, tag: string, index: BuiltIndex): Promise<string> {
  for (const image of index.images) await pushImage(registryUrl, repo, image.digest, image);
  return pushManifest(registryUrl, repo, tag, index.bytes, index.mediaType);
}

// ---------------------------------------------------------------------------------------
// The standard test images.

/**
 * Every applet the busybox binary has, as `busybox --list` prints them (sorted, so the layer
 * and its digest are the same on every build from the same binary).
 */
export function busyboxApplets(): string[] {
  const names = execFileSync(BusyboxPath, ["--list"], { encoding: "utf8" }).split("\n").filter((n) => n !== "" && n !== "busybox");
  return [...new Set(names)].sort();
}

/**
 * The busybox image's two layers. Like the real busybox image (`busybox --install -s`), /bin
 * holds a symlink to busybox for every applet: tar (which `kubectl cp` runs), ping, nslookup,
 * mount, wget, vi, ...
 */
export async function busyboxLayers(): Promise<[Layer, Layer]> {
  const base = await makeLayer([
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", content: readFileSync(BusyboxPath), mode: 0o755 },
    ...busyboxApplets().map((a): TarEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "etc/", type: "directory" },
    { name: "tmp/", type: "directory", mode: 0o1777 },
    { name: "root/", type: "directory", mode: 0o700 },
    ...["proc/", "sys/", "dev/", "var/", "www/"].map((name): TarEntry => ({ name, type: "directory" })),
  ]);
  const files = await makeLayer([
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n" },
    { name: "etc/group", content: "root:x:0:\nuser:x:1000:\n" },
    { name: "hello.txt", content: "hello from gantry\n" },
    { name: "data/", type: "directory", mode: 0o750, uid: 1000, gid: 1000 },
    { name: "data/a.txt", content: "a\n", mode: 0o640, uid: 1000, gid: 1000, pax: { "SCHILY.xattr.user.gantry": "test-value" } },
    { name: "data/b.txt", content: "b\n" },
    { name: "data/a-link", type: "link", linkname: "data/a.txt" },
    { name: "data/run.sh", content: "#!/bin/sh\necho run\n", mode: 0o4755 },
  ]);
  return [base, files];
}

export interface TestImageSet {
  busybox: BuiltImage;
  whiteout: BuiltImage;
  httpd: BuiltImage;
  fail: BuiltImage;
  multiarch: BuiltIndex;
}

export async function buildTestImages(): Promise<TestImageSet> {
  const [base, files] = await busyboxLayers();
  const sh = ["/bin/sh"];
  const whiteoutLayer = await makeLayer([
    { name: ".wh.hello.txt" },
    { name: "data/", type: "directory", mode: 0o755 },
    { name: "data/.wh..wh..opq" },
    { name: "data/new.txt", content: "only me\n" },
  ]);
  const www = await makeLayer([{ name: "www/index.html", content: "<h1>gantry httpd test page</h1>\n" }]);
  const busybox = makeImage([base, files], { cmd: sh });
  const armMarker = await makeLayer([{ name: "arch.txt", content: "arm64\n" }]);
  return {
    busybox,
    whiteout: makeImage([base, files, whiteoutLayer], { cmd: sh }),
    httpd: makeImage([base, files, www], { cmd: ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"], exposedPorts: ["8080/tcp"] }),
    fail: makeImage([base, files], { cmd: ["/bin/sh", "-c", "echo failing on purpose >&2; exit 3"] }),
    multiarch: makeIndex([busybox, makeImage([armMarker], { architecture: "arm64", cmd: sh })]),
  };
}

export const TestRepos = {
  busybox: "gantry-test/busybox",
  whiteout: "gantry-test/whiteout",
  httpd: "gantry-test/httpd",
  fail: "gantry-test/fail",
  multiarch: "gantry-test/multiarch",
} as const;

/** Pushes every standard test image as <repo>:latest; returns them as built. */
export async function pushTestImages(registryUrl: string): Promise<TestImageSet> {
  const images = await buildTestImages();
  await pushImage(registryUrl, TestRepos.busybox, "latest", images.busybox);
  await pushImage(registryUrl, TestRepos.whiteout, "latest", images.whiteout);
  await pushImage(registryUrl, TestRepos.httpd, "latest", images.httpd);
  await pushImage(registryUrl, TestRepos.fail, "latest", images.fail);
  await pushIndex(registryUrl, TestRepos.multiarch, "latest", images.multiarch);
  return images;
}
