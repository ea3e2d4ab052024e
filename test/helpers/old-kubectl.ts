// kubectl 1.20, as Debian ships it (package kubernetes-client), for the tests of clients older
// than the kubectl 1.32 every other test runs: it reads OpenAPI v2 only and speaks SPDY for
// exec, attach, cp and port-forward. scripts/install-deps.sh extracts the package into
// .cache/kubernetes-client/ (never over /usr/bin/kubectl); tests run it from there.

import { existsSync } from "node:fs";
import path from "node:path";

/** The binary, from dist/test/helpers/ back to the repository's .cache/. */
export const KUBECTL_1_20 = path.resolve(__dirname, "../../../.cache/kubernetes-client/usr/bin/kubectl");

/** Throws, saying how to get it, when the extracted binary is missing. */
export function requireKubectl120(): string {
  if (!existsSync(KUBECTL_1_20)) throw new Error(`kubectl 1.20 is not at ${KUBECTL_1_20}; run scripts/install-deps.sh (it extracts Debian's kubernetes-client package there)`);
  return KUBECTL_1_20;
}
