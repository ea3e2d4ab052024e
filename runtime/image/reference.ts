// Image references as Docker and containerd read them:
//
//   busybox                        -> docker.io/library/busybox:latest
//   user/app:1                     -> docker.io/user/app:1
//   127.0.0.1:5000/team/app:v2     -> 127.0.0.1:5000/team/app:v2
//   localhost/x                    -> localhost/x:latest
//   app@sha256:<hex>               -> docker.io/library/app@sha256:<hex>      (no implied tag)
//   app:1@sha256:<hex>             -> both kept; the digest decides what is pulled
//
// The first path component names a registry host only if it contains '.' or ':', is
// 'localhost', or has an upper-case letter (which a repository path cannot have). That is
// why `user/app` is a Docker Hub repository while `registry.local/app` is a host.

import { ImageError } from "./types";

export interface Reference {
  /** Registry host as written, with port: "docker.io", "127.0.0.1:5000", "[::1]:5000". */
  registry: string;
  /** Repository path within the registry: "library/busybox", "team/app". */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DockerHub = "docker.io";
/** Where Docker Hub's registry API is served; `docker.io` itself only redirects. */
export const DockerHubApiHost = "registry-1.docker.io";
export const DefaultTag = "latest";

const maxNameLength = 255;
// One path component: lowercase alphanumerics separated by '.', '_', '__' or runs of '-'.
const componentRe = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagRe = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const hostLabel = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
const domainRe = new RegExp(`^(?:${hostLabel}(?:\\.${hostLabel})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?$`);
const anyDigestRe = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Za-z=_-]{32,}$/;
const sha256Re = /^sha256:[0-9a-f]{64}$/;

function invalid(input: string, why: string): ImageError {
  return new ImageError("InvalidReference", `invalid image reference ${JSON.stringify(input)}: ${why}`);
}

/** True for "sha256:<64 lowercase hex>", the only digest form Gantry stores. */
export function isSha256Digest(s: string): boolean {
  return sha256Re.test(s);
}

/** Validates a digest string: InvalidReference if malformed, Unsupported if not sha256. */
export function checkDigest(digest: string, input = digest): string {
  if (isSha256Digest(digest)) return digest;
  if (digest.startsWith("sha256:")) throw invalid(input, `digest ${digest} must be sha256: and 64 lowercase hex characters`);
  if (anyDigestRe.test(digest)) {
    const algorithm = digest.slice(0, digest.indexOf(":"));
    throw new ImageError("Unsupported", `digest algorithm ${algorithm} is not supported (only sha256): ${input}`);
  }
  throw invalid(input, `malformed digest ${JSON.stringify(digest)} (expected sha256:<64 hex>)`);
}

function looksLikeHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" || component !== component.toLowerCase();
}

/** Parses `input` the way `docker pull` does; throws ImageError InvalidReference/Unsupported. */
export function parseReference(input: string): Reference {
  if (input.length === 0) throw invalid(input, "empty");
  if (/\s/.test(input)) throw invalid(input, "contains whitespace");

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = checkDigest(rest.slice(at + 1), input);
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw invalid(input, `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }

  let registry = DockerHub;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0 && looksLikeHost(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!domainRe.test(registry)) throw invalid(input, `registry host ${JSON.stringify(registry)} is not a valid host[:port]`);
    const port = /:([0-9]+)$/.exec(registry);
    if (port && Number(port[1]) > 65535) throw invalid(input, `registry port ${port[1]} is out of range`);
  }
  if (registry === "index.docker.io") registry = DockerHub;

  if (repository.length === 0) throw invalid(input, "missing repository name");
  for (const component of repository.split("/")) {
    if (componentRe.test(component)) continue;
    if (component !== component.toLowerCase() && componentRe.test(component.toLowerCase())) {
      throw invalid(input, "repository name must be lowercase");
    }
    throw invalid(input, `path component ${JSON.stringify(component)} must be lowercase letters, digits and separators (. _ __ -)`);
  }
  if (registry === DockerHub && !repository.includes("/")) repository = `library/${repository}`;

  const name = `${registry}/${repository}`;
  if (name.length > maxNameLength) throw invalid(input, `name is longer than ${maxNameLength} characters`);

  if (tag === undefined && digest === undefined) tag = DefaultTag;
  const ref: Reference = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** registry/repository, e.g. docker.io/library/busybox. */
export function referenceName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Fully qualified form: docker.io/library/busybox:latest, …@sha256:…, or both. */
export function canonicalReference(ref: Reference): string {
  return `${referenceName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** Short form users type: busybox:latest, user/app:1, 127.0.0.1:5000/app:1. */
export function familiarReference(ref: Reference): string {
  let name = referenceName(ref);
  if (ref.registry === DockerHub) {
    name = ref.repository.startsWith("library/") && ref.repository.split("/").length === 2 ? ref.repository.slice("library/".length) : ref.repository;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** Canonical form of a user-typed reference string; throws like parseReference. */
export function normalizeReference(input: string): string {
  return canonicalReference(parseReference(input));
}

/** Host that serves the registry API for `registry` (Docker Hub's differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === DockerHub ? DockerHubApiHost : registry;
}

/** The tag or digest to ask the registry's manifests endpoint for. */
export function manifestReference(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DefaultTag;
}
