// `gantry token create|list|delete`: bootstrap tokens, managed like `kubeadm token` does — as
// Secrets `kube-system/bootstrap-token-<id>` written through the API with the admin kubeconfig
// (so `kubectl get secrets -n kube-system` shows them). The token cleaner deletes expired ones;
// the bootstrap signer signs cluster-info with each.

import { type Command, InvalidArgumentError } from "commander";
import { caCertHash } from "../api/bootstrap/ca-hash";
import { parseCertificateKey } from "../api/bootstrap/cert-upload";
import {
  TOKEN_NAMESPACE,
  TOKEN_SECRET_TYPE,
  TOKEN_USAGES,
  formatToken,
  generateToken,
  isExpired,
  isTokenId,
  parseToken,
  readTokenSecret,
  requireToken,
  tokenSecret,
  tokenSecretName,
  type BootstrapToken,
  type TokenRecord,
  type TokenUsage,
} from "../api/bootstrap/token";
import type { KubeObject } from "../api/object";
import { formatTime } from "../api/time";
import { answerMessage, type ApiClient } from "../agent/api-client";
import { adminClient } from "./admin-client";
import { parseGoDuration } from "./duration";
import { DEFAULT_ADMIN_KUBECONFIG } from "./master";

const SECRETS = `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets`;

export interface NewToken {
  token?: BootstrapToken;
  ttlMs: number;
  description?: string;
  usages?: TokenUsage[];
  groups?: string[];
}

/** Creates a bootstrap token Secret; a generated token whose id is taken is replaced by another. */
export async function createToken(api: ApiClient, o: NewToken): Promise<BootstrapToken> {
  const build = (token: BootstrapToken) => tokenSecret({ token, ttlMs: o.ttlMs, description: o.description, usages: o.usages, groups: o.groups, now: new Date() });
  return (await postTokenSecret(api, build, o.token)).token;
}

/** POSTs the token Secret `build` makes (for `given`, else a random token, drawn again if its id is taken); returns the token and the stored Secret. */
export async function postTokenSecret(api: ApiClient, build: (token: BootstrapToken) => KubeObject, given?: BootstrapToken): Promise<{ token: BootstrapToken; secret: KubeObject }> {
  for (let attempt = 0; ; attempt++) {
    const token = given ?? generateToken();
    const answer = await api.request("POST", SECRETS, build(token));
    if (answer.status === 201) return { token, secret: answer.body as KubeObject };
    if (answer.status === 409 && !given && attempt < 5) continue;
    throw new Error(`creating bootstrap token ${token.id} failed: ${answer.status} ${answerMessage(answer)}`);
  }
}

export async function listTokens(api: ApiClient): Promise<TokenRecord[]> {
  const answer = await api.request("GET", SECRETS);
  if (answer.status !== 200) throw new Error(`listing bootstrap tokens failed: ${answer.status} ${answerMessage(answer)}`);
  const out: TokenRecord[] = [];
  for (const s of ((answer.body as { items?: KubeObject[] }).items ?? []).filter((s) => s.type === TOKEN_SECRET_TYPE)) {
    const r = readTokenSecret(s);
    if (!("invalid" in r)) out.push(r);
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export async function deleteToken(api: ApiClient, idOrToken: string): Promise<string> {
  const id = parseToken(idOrToken)?.id ?? idOrToken;
  if (!isTokenId(id)) throw new Error(`"${idOrToken}" is neither a token id ([a-z0-9]{6}) nor a token`);
  const answer = await api.request("DELETE", `${SECRETS}/${tokenSecretName(id)}`);
  if (answer.status === 404) throw new Error(`bootstrap token "${id}" not found`);
  if (answer.status !== 200 && answer.status !== 202) throw new Error(`deleting bootstrap token "${id}" failed: ${answer.status} ${answerMessage(answer)}`);
  return id;
}

/** The join command for agents, kubeadm's shape: the API address, the token and the CA pin; with a certificate key, for masters. */
export function joinCommand(server: string, caPem: string, token: BootstrapToken, certificateKey?: string): string {
  const agent = `gantry join ${new URL(server).host} --token ${formatToken(token)} --discovery-token-ca-cert-hash ${caCertHash(caPem)}`;
  return certificateKey === undefined ? agent : `${agent} --control-plane --certificate-key ${certificateKey}`;
}

/** `kubeadm token list`'s table. */
export function tokenTable(tokens: readonly TokenRecord[], now: Date): string {
  const rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]];
  for (const t of tokens) {
    const ttl = !t.expiration ? "<forever>" : isExpired(t, now) ? "<invalid>" : humanTtl(t.expiration.getTime() - now.getTime());
    rows.push([formatToken(t), ttl, t.expiration ? formatTime(t.expiration) : "<never>", t.usages.join(",") || "<none>", t.description || "<none>", t.groups.join(",") || "<none>"]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join("")).join("\n");
}

function humanTtl(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${Math.max(minutes, 1)}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

function usageList(value: string): TokenUsage[] {
  const usages = value.split(",").map((u) => u.trim()).filter((u) => u !== "");
  for (const u of usages) if (!(TOKEN_USAGES as readonly string[]).includes(u)) throw new InvalidArgumentError(`"${u}" is not a token usage; use ${TOKEN_USAGES.join(", ")}`);
  return usages as TokenUsage[];
}

/** A token lifetime: a Go duration ("24h", "90m", "1h30m"); 0 never expires. */
export function tokenTtl(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`"${value}" is not a duration like 24h, 90m or 1h30m`);
  return ms;
}

export function registerTokenCommand(program: Command): void {
  const token = program.command("token").description("manage bootstrap tokens (Secrets kube-system/bootstrap-token-<id>) through the API");
  const kubeconfigFlag = (c: Command) => c.option("--kubeconfig <file>", "admin kubeconfig to talk to the API with", DEFAULT_ADMIN_KUBECONFIG);

  kubeconfigFlag(token.command("create [token]").description("create a bootstrap token (a random one unless given) and print it"))
    .option("--ttl <duration>", "lifetime, e.g. 24h, 90m; 0 never expires", tokenTtl, 24 * 3600 * 1000)
    .option("--description <text>", "a note on what the token is for")
    .option("--usages <list>", "comma-separated: authentication (joining), signing (cluster-info)", usageList, ["authentication", "signing"] as TokenUsage[])
    .option("--groups <list>", "extra groups, each system:bootstrappers:<...>", (v: string) => v.split(",").map((g) => g.trim()).filter(Boolean), undefined)
    .option("--print-join-command", "print the whole `gantry join` command instead of the token")
    .option("--certificate-key <key>", "with --print-join-command: print the command for another master, with this key of the uploaded certificates (`gantry certs upload`)")
    .action(async (given: string | undefined, opts: { kubeconfig: string; ttl: number; description?: string; usages: TokenUsage[]; groups?: string[]; printJoinCommand?: boolean; certificateKey?: string }) => {
      if (opts.certificateKey !== undefined) parseCertificateKey(opts.certificateKey);
      const admin = await adminClient(opts.kubeconfig);
      const created = await createToken(admin.api, { token: given ? requireToken(given) : undefined, ttlMs: opts.ttl, description: opts.description, usages: opts.usages, groups: opts.groups });
      console.log(opts.printJoinCommand ? joinCommand(admin.server, admin.caPem, created, opts.certificateKey) : formatToken(created));
    });

  kubeconfigFlag(token.command("list").description("list bootstrap tokens"))
    .action(async (opts: { kubeconfig: string }) => {
      const admin = await adminClient(opts.kubeconfig);
      console.log(tokenTable(await listTokens(admin.api), new Date()));
    });

  kubeconfigFlag(token.command("delete <ids...>").description("delete bootstrap tokens by id (abcdef) or whole token"))
    .action(async (ids: string[], opts: { kubeconfig: string }) => {
      const admin = await adminClient(opts.kubeconfig);
      for (const id of ids) console.log(`bootstrap token "${await deleteToken(admin.api, id)}" deleted`);
    });
}
