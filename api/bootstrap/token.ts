// Bootstrap tokens, as Kubernetes defines them: `<id>.<secret>` (`[a-z0-9]{6}.[a-z0-9]{16}`),
// stored as the Secret `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`.
// The id is public (it names the Secret and the cluster-info signature); the secret half is the
// credential. Pure: no I/O; the apiserver, the controllers, `gantry token` and `gantry join` share it.

import { randomInt, timingSafeEqual } from "node:crypto";
import type { KubeObject } from "../object";
import { formatTime as rfc3339 } from "../time";

export const TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";
export const TOKEN_SECRET_PREFIX = "bootstrap-token-";
export const TOKEN_NAMESPACE = "kube-system";
/** Every token user is in this group; extra groups must start with `system:bootstrappers:`. */
export const BOOTSTRAPPERS_GROUP = "system:bootstrappers";
/** kubeadm's default extra group for node tokens. */
export const DEFAULT_NODE_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token";
export const TOKEN_USER_PREFIX = "system:bootstrap:";

export const TOKEN_USAGES = ["authentication", "signing"] as const;
export type TokenUsage = (typeof TOKEN_USAGES)[number];

const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ID_PATTERN = /^[a-z0-9]{6}$/;
const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export interface BootstrapToken {
  id: string;
  secret: string;
}

/** What a token Secret says, once checked. */
export interface TokenRecord extends BootstrapToken {
  /** undefined: never expires. */
  expiration?: Date;
  usages: TokenUsage[];
  /** Extra groups (besides system:bootstrappers). */
  groups: string[];
  description: string;
}

/** Splits `<id>.<secret>`; undefined when it is not a bootstrap token. */
export function parseToken(text: string): BootstrapToken | undefined {
  const m = TOKEN_PATTERN.exec(text);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** The same, throwing an error that says what a token looks like. */
export function requireToken(text: string): BootstrapToken {
  const token = parseToken(text.trim());
  if (!token) throw new Error(`"${text}" is not a bootstrap token: it must look like abcdef.0123456789abcdef ([a-z0-9]{6}.[a-z0-9]{16})`);
  return token;
}

export function formatToken(t: BootstrapToken): string {
  return `${t.id}.${t.secret}`;
}

export function isTokenId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** A new random token (uniform over the alphabet; crypto-strength). */
export function generateToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return { id: pick(6), secret: pick(16) };
}

export function tokenSecretName(id: string): string {
  return `${TOKEN_SECRET_PREFIX}${id}`;
}

export function tokenUser(id: string): string {
  return `${TOKEN_USER_PREFIX}${id}`;
}

/** Why an extra group is refused, or undefined when it is fine. */
export function invalidExtraGroup(group: string): string | undefined {
  return EXTRA_GROUP_PATTERN.test(group) ? undefined : `group "${group}" must match ${EXTRA_GROUP_PATTERN.source}`;
}

export interface NewTokenOptions {
  token: BootstrapToken;
  /** Lifetime in ms; 0 or undefined: never expires. */
  ttlMs?: number;
  usages?: TokenUsage[];
  groups?: string[];
  description?: string;
  now: Date;
}

/** The Secret that stores a token (kubeadm's layout; values base64 as the API stores them). */
export function tokenSecret(o: NewTokenOptions): KubeObject {
  const usages = o.usages ?? ["authentication", "signing"];
  const groups = o.groups ?? [DEFAULT_NODE_TOKEN_GROUP];
  for (const g of groups) {
    const why = invalidExtraGroup(g);
    if (why) throw new Error(why);
  }
  for (const u of usages) if (!(TOKEN_USAGES as readonly string[]).includes(u)) throw new Error(`unknown token usage "${u}"; use ${TOKEN_USAGES.join(", ")}`);
  const data: Record<string, string> = {
    "token-id": o.token.id,
    "token-secret": o.token.secret,
  };
  if (o.description) data.description = o.description;
  if (o.ttlMs) data.expiration = rfc3339(new Date(o.now.getTime() + o.ttlMs));
  for (const u of usages) data[`usage-bootstrap-${u}`] = "true";
  if (groups.length > 0) data["auth-extra-groups"] = groups.join(",");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: tokenSecretName(o.token.id), namespace: TOKEN_NAMESPACE },
    type: TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")])),
  };
}

/**
 * Reads a token Secret as the bootstrap authenticator does: right name, type and id, a secret of
 * the right form, parsable expiration and groups. Returns why not otherwise. Expiry and usages are
 * the caller's to check (`isExpired`, `usages`), since signing and authenticating differ.
 */
export function readTokenSecret(secret: KubeObject): TokenRecord | { invalid: string } {
  const name = secret.metadata.name ?? "";
  if (secret.type !== TOKEN_SECRET_TYPE) return { invalid: `secret ${name} is not of type ${TOKEN_SECRET_TYPE}` };
  if (!name.startsWith(TOKEN_SECRET_PREFIX)) return { invalid: `secret ${name} is not named ${TOKEN_SECRET_PREFIX}<id>` };
  const data = decodeData(secret.data);
  const id = data["token-id"] ?? "";
  const tokenSecretValue = data["token-secret"] ?? "";
  if (name !== tokenSecretName(id)) return { invalid: `secret ${name}: token-id "${id}" does not match its name` };
  if (!parseToken(`${id}.${tokenSecretValue}`)) return { invalid: `secret ${name}: token-id and token-secret are not a well-formed token` };
  let expiration: Date | undefined;
  if (data.expiration !== undefined) {
    expiration = new Date(data.expiration);
    if (Number.isNaN(expiration.getTime())) return { invalid: `secret ${name}: expiration "${data.expiration}" is not an RFC 3339 time` };
  }
  const groups = (data["auth-extra-groups"] ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
  for (const g of groups) {
    const why = invalidExtraGroup(g);
    if (why) return { invalid: `secret ${name}: ${why}` };
  }
  const usages = TOKEN_USAGES.filter((u) => data[`usage-bootstrap-${u}`] === "true");
  return { id, secret: tokenSecretValue, expiration, usages, groups, description: data.description ?? "" };
}

export function isExpired(record: Pick<TokenRecord, "expiration">, now: Date): boolean {
  return record.expiration !== undefined && record.expiration.getTime() <= now.getTime();
}

/** Constant-time comparison of a presented secret with the stored one. */
export function secretMatches(presented: string, stored: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(stored, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `2026-01-02T03:04:05Z`: RFC 3339 in UTC without fractions, as kubeadm writes it (metav1.Time). */
export { rfc3339 };

function decodeData(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof data !== "object" || data === null) return out;
  for (const [k, v] of Object.entries(data)) if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
  return out;
}
