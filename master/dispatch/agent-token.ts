// The bearer token agents register their Node with: made on the master's first start as user
// `system:node-bootstrapper` in <data-dir>/tokens.json, and copied to <data-dir>/agent.token
// (0600) so `make up`, `gantry agent --token` and tests can hand it to agents.

import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { User } from "../apiserver/auth";

export const AGENT_TOKEN_USER: User = { name: "system:node-bootstrapper", groups: ["system:bootstrappers", "system:nodes"] };

/** Adds the agent token to `tokens` (and the tokens file) unless one exists; writes agent.token. */
export async function ensureAgentToken(tokensFile: string, agentTokenFile: string, tokens: Map<string, User>): Promise<string> {
  let token = [...tokens].find(([, u]) => u.name === AGENT_TOKEN_USER.name)?.[0];
  if (!token) {
    token = randomBytes(24).toString("hex");
    tokens.set(token, { ...AGENT_TOKEN_USER, groups: [...AGENT_TOKEN_USER.groups] });
    await writeFile(tokensFile, JSON.stringify(Object.fromEntries(tokens), null, 2), { mode: 0o600 });
  }
  await writeFile(agentTokenFile, `${token}\n`, { mode: 0o600 });
  return token;
}
