// Executing a network configuration list on one attachment (spec §3):
//
//   add:   plugins in order; each gets the previous plugin's result as prevResult (none for the
//          first); the last result is the attachment's result. A failure stops the chain.
//   del:   plugins in REVERSE order, each with the result of the add as prevResult.
//   check: plugins in order, each with the result of the add; skipped when disableCheck.
//
// Each plugin's execution configuration is its plugin object with cniVersion and name of the
// list, runtimeConfig (the capability arguments it declared in `capabilities`), prevResult, and
// without `capabilities`; every other field passes through unchanged.

import { CniError, CniErrorCode } from "./errors";
import { execPlugin } from "./exec";
import type { Attachment, CniResult, NetworkConfigList, PluginConfig, PluginRunner } from "./types";

/** The JSON one plugin gets on stdin (§3 "Deriving execution configuration"). */
export function executionConfig(list: NetworkConfigList, plugin: PluginConfig, capabilityArgs: Record<string, unknown>, prevResult: CniResult | undefined): Record<string, unknown> {
  const { capabilities, ...rest } = plugin;
  const config: Record<string, unknown> = { ...rest, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(capabilities ?? {})) {
    if (enabled && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  if (prevResult) config.prevResult = prevResult;
  return config;
}

function asResult(out: unknown, list: NetworkConfigList, plugin: PluginConfig): CniResult {
  if (out === null || typeof out !== "object" || Array.isArray(out)) {
    throw new CniError("ADD", list.name, plugin.type, CniErrorCode.DecodingFailure, "plugin returned no result object");
  }
  const r = out as CniResult;
  if (r.cniVersion !== list.cniVersion) {
    throw new CniError("ADD", list.name, plugin.type, CniErrorCode.IncompatibleVersion, `plugin answered in CNI version ${JSON.stringify(r.cniVersion)}, not ${list.cniVersion}`);
  }
  return r;
}

export async function addNetworkList(runner: PluginRunner, list: NetworkConfigList, attachment: Attachment): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const plugin of list.plugins) {
    const out = await execPlugin(runner, "ADD", list.name, executionConfig(list, plugin, attachment.capabilityArgs, prev), attachment);
    prev = asResult(out, list, plugin);
  }
  if (!prev) throw new CniError("ADD", list.name, "", CniErrorCode.InvalidNetworkConfig, "the network configuration lists no plugins");
  return prev;
}

/** Undoes an add; `added` is its result, or undefined when it never finished (plugins clean up what they can). */
export async function delNetworkList(runner: PluginRunner, list: NetworkConfigList, attachment: Attachment, added: CniResult | undefined): Promise<void> {
  for (const plugin of [...list.plugins].reverse()) {
    await execPlugin(runner, "DEL", list.name, executionConfig(list, plugin, attachment.capabilityArgs, added), attachment);
  }
}

export async function checkNetworkList(runner: PluginRunner, list: NetworkConfigList, attachment: Attachment, added: CniResult): Promise<void> {
  if (list.disableCheck) return;
  for (const plugin of list.plugins) {
    await execPlugin(runner, "CHECK", list.name, executionConfig(list, plugin, attachment.capabilityArgs, added), attachment);
  }
}
