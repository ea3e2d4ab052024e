// Registry credentials from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson and the
// older kubernetes.io/dockercfg), keyed by registry host the way the image puller looks them up.
// Keys in those files are written many ways ("https://index.docker.io/v1/", "registry:5000",
// "http://registry:5000/v2/"); all reduce to a host[:port], and Docker Hub's aliases to docker.io.

import type { Pod } from "kubernetes-types/core/v1";
import type { RegistryCredentials } from "../runtime/image/registry-auth";
import { existing, type VolumeDataLookup } from "./pod-spec/volume-data";

interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export function registryHost(key: string): string {
  let host = key.replace(/^[a-z]+:\/\//i, "").split("/")[0].toLowerCase();
  if (host === "index.docker.io" || host === "registry-1.docker.io" || host === "registry.hub.docker.com") host = "docker.io";
  return host;
}

export function credentialsOf(entry: DockerAuthEntry): RegistryCredentials {
  if (entry.registrytoken) return { registryToken: entry.registrytoken };
  if (entry.username || entry.password) return { username: entry.username ?? "", password: entry.password ?? "" };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return {};
}

/** Parses one secret's data; entries of earlier secrets win, as in the kubelet's keyring. */
export function parseDockerConfig(type: string, data: Record<string, Buffer>): Record<string, RegistryCredentials> {
  const raw = type === "kubernetes.io/dockercfg" ? data[".dockercfg"] : data[".dockerconfigjson"];
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return {};
  }
  const auths = (type === "kubernetes.io/dockercfg" ? parsed : (parsed as { auths?: unknown })?.auths) as Record<string, DockerAuthEntry> | undefined;
  const out: Record<string, RegistryCredentials> = {};
  for (const [key, entry] of Object.entries(auths ?? {})) {
    if (entry && typeof entry === "object") out[registryHost(key)] ??= credentialsOf(entry);
  }
  return out;
}

export function pullCredentials(pod: Pod, data: VolumeDataLookup): Record<string, RegistryCredentials> {
  const out: Record<string, RegistryCredentials> = {};
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const secret = existing(data, "Secret", pod.metadata?.namespace ?? "", ref.name ?? "");
    if (!secret) continue; // the kubelet warns and pulls anonymously
    for (const [host, creds] of Object.entries(parseDockerConfig(secret.type, secret.data))) out[host] ??= creds;
  }
  return out;
}
