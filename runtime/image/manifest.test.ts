import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chainIds, normalizePlatform, parseImageConfig, parseManifest, selectPlatform, sha256Digest } from "./manifest";
import { MediaType, type Descriptor, type ImageIndex } from "./types";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (mediaType: string, digest = d("a"), size = 10): Descriptor => ({ mediaType, digest, size });
const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe("parseManifest", () => {
  const manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: desc(MediaType.OciConfig), layers: [desc(MediaType.OciLayerGzip, d("b"))] };

  it("parses an OCI manifest and a Docker manifest list", () => {
    const m = parseManifest(json(manifest), `${MediaType.OciManifest}; charset=utf-8`, d("0"));
    assert.equal(m.kind, "manifest");
    assert.equal(m.kind === "manifest" && m.manifest.layers[0].digest, d("b"));
    const list = { schemaVersion: 2, mediaType: MediaType.DockerManifestList, manifests: [{ ...desc(MediaType.DockerManifest), platform: { os: "linux", architecture: "amd64" } }] };
    const l = parseManifest(json(list), undefined, d("0"));
    assert.equal(l.kind, "index");
    assert.equal(l.mediaType, MediaType.DockerManifestList);
  });

  it("infers the kind when neither header nor body names a media type", () => {
    const { mediaType: _m, ...bare } = manifest;
    assert.equal(parseManifest(json(bare), "application/json", d("0")).kind, "manifest");
    assert.equal(parseManifest(json({ schemaVersion: 2, manifests: [] }), undefined, d("0")).kind, "index");
  });

  const bad: [string, unknown, string | undefined, string, RegExp][] = [
    ["not JSON", "{", undefined, "BadManifest", /not valid JSON/],
    ["schema 1", { schemaVersion: 1, fsLayers: [] }, undefined, "Unsupported", /schema 1/],
    ["schemaVersion 3", { ...manifest, schemaVersion: 3 }, undefined, "BadManifest", /schemaVersion is 3/],
    ["header/body disagreement", manifest, MediaType.DockerManifest, "BadManifest", /served it as .* but its mediaType field says/],
    ["no layers", { ...manifest, layers: undefined }, undefined, "BadManifest", /no layers array/],
    ["bad digest", { ...manifest, layers: [desc(MediaType.OciLayer, "sha256:xyz")] }, undefined, "BadManifest", /layers\[0\].digest/],
    ["sha512 digest", { ...manifest, layers: [desc(MediaType.OciLayer, `sha512:${"a".repeat(128)}`)] }, undefined, "Unsupported", /not a sha256 digest/],
    ["negative size", { ...manifest, config: desc(MediaType.OciConfig, d("a"), -1) }, undefined, "BadManifest", /config.size/],
    ["zstd layer", { ...manifest, layers: [desc(MediaType.OciLayerZstd)] }, undefined, "Unsupported", /zstd/],
    ["foreign layer", { ...manifest, layers: [desc(MediaType.DockerForeignLayerGzip)] }, undefined, "Unsupported", /foreign/],
    ["artifact", { ...manifest, config: desc("application/vnd.example+json") }, undefined, "Unsupported", /not a container image config/],
  ];
  for (const [name, doc, header, code, message] of bad) {
    it(`refuses ${name}`, () => {
      const bytes = typeof doc === "string" ? Buffer.from(doc) : json(doc);
      assert.throws(() => parseManifest(bytes, header, d("9")), (err: unknown) => {
        assert.equal((err as { code?: string }).code, code);
        assert.match((err as Error).message, message);
        assert.equal((err as { digest?: string }).digest, d("9"));
        return true;
      });
    });
  }
});

describe("parseImageConfig", () => {
  const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [d("1"), d("2")] } };
  it("accepts a config whose diff IDs match the layer count", () => {
    assert.deepEqual(parseImageConfig(json(config), 2, d("c")).rootfs.diff_ids, [d("1"), d("2")]);
  });
  it("refuses a count mismatch, a bad diff ID and a missing rootfs", () => {
    assert.throws(() => parseImageConfig(json(config), 3, d("c")), { code: "BadManifest", message: /lists 2 diff IDs but the manifest has 3 layers/ });
    assert.throws(() => parseImageConfig(json({ ...config, rootfs: { type: "layers", diff_ids: ["nope"] } }), 1, d("c")), { code: "BadManifest" });
    assert.throws(() => parseImageConfig(json({ os: "linux" }), 0, d("c")), { code: "BadManifest", message: /no rootfs/ });
  });
});

describe("chainIds", () => {
  it("is the diff ID for the bottom layer and hashes 'parent child' above it", () => {
    const [a, b, c] = [d("1"), d("2"), d("3")];
    const ids = chainIds([a, b, c]);
    assert.equal(ids[0], a);
    assert.equal(ids[1], sha256Digest(Buffer.from(`${a} ${b}`)));
    assert.equal(ids[2], sha256Digest(Buffer.from(`${ids[1]} ${c}`)));
    assert.notEqual(chainIds([b, a])[1], ids[1], "order matters");
    assert.deepEqual(chainIds([]), []);
  });
});

describe("selectPlatform", () => {
  const entry = (architecture: string, variant?: string, os = "linux"): Descriptor => ({ ...desc(MediaType.OciManifest, d(architecture[0])), platform: { os, architecture, ...(variant ? { variant } : {}) } });
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [entry("arm", "v6"), entry("arm", "v7"), entry("arm64", "v8"), entry("amd64"), { ...entry("unknown", undefined, "unknown") }],
  };
  it("matches os/architecture and, when asked, the variant", () => {
    assert.equal(selectPlatform(index, { os: "linux", architecture: "amd64" }, d("i")).platform?.architecture, "amd64");
    assert.equal(selectPlatform(index, { os: "linux", architecture: "x86_64" }, d("i")).platform?.architecture, "amd64");
    assert.equal(selectPlatform(index, { os: "linux", architecture: "aarch64" }, d("i")).platform?.architecture, "arm64");
    assert.equal(selectPlatform(index, { os: "linux", architecture: "arm", variant: "v7" }, d("i")).platform?.variant, "v7");
  });
  it("names what the index offers when nothing fits", () => {
    assert.throws(() => selectPlatform(index, { os: "windows", architecture: "amd64" }, d("i")), {
      code: "NotFound",
      message: /windows\/amd64 .* offers: linux\/arm\/v6, linux\/arm\/v7, linux\/arm64\/v8, linux\/amd64\)/,
    });
  });
  it("normalises aliases", () => {
    assert.deepEqual(normalizePlatform({ os: "Linux", architecture: "aarch64" }), { os: "linux", architecture: "arm64", variant: "v8" });
  });
});
