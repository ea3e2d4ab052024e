// A plugin's failure, as the CNI spec's Error result (§5: code, msg, details) plus which plugin
// and command it came from, so the pod event reads e.g.
//   CNI ADD of network "gantry" failed in plugin bridge (code 11): failed to set bridge addr: …

/** Well-known codes (spec §5 "Error"); 100+ are plugin specific. */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
} as const;

export class CniError extends Error {
  constructor(
    /** ADD, DEL, CHECK or VERSION. */
    readonly command: string,
    readonly network: string,
    /** The plugin `type` that failed, or "" when the failure is the runtime's own (e.g. no binary). */
    readonly plugin: string,
    readonly code: number,
    readonly msg: string,
    readonly details = "",
  ) {
    const where = plugin ? ` in plugin ${plugin}` : "";
    super(`CNI ${command} of network "${network}" failed${where} (code ${code}): ${msg}${details ? `: ${details}` : ""}`);
    this.name = "CniError";
  }
}

/**
 * The error a plugin reported: the Error JSON on stdout (what the reference skeleton prints), else
 * its stderr, else the exit status — the same order libcni reads them in.
 */
export function pluginFailure(command: string, network: string, plugin: string, exit: number | null, stdout: string, stderr: string): CniError {
  const out = stdout.trim();
  if (out) {
    try {
      const parsed = JSON.parse(out) as { code?: unknown; msg?: unknown; details?: unknown };
      if (typeof parsed.msg === "string") {
        return new CniError(command, network, plugin, typeof parsed.code === "number" ? parsed.code : 0, parsed.msg, typeof parsed.details === "string" ? parsed.details : "");
      }
    } catch {
      // not JSON: quoted below
    }
    return new CniError(command, network, plugin, 0, `plugin failed but its error output is not a CNI error: ${JSON.stringify(out.slice(0, 500))}`);
  }
  const err = stderr.trim();
  if (err) return new CniError(command, network, plugin, 0, `plugin failed: ${err.slice(0, 1000)}`);
  return new CniError(command, network, plugin, 0, `plugin failed with no error message (${exit === null ? "killed" : `exit ${exit}`})`);
}
