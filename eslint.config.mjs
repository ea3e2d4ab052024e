// One linter for the whole tree. Besides typescript-eslint's recommended rules it holds the
// layer boundaries of docs/ARCHITECTURE.md: arrows point inward only, and every write of an API
// object goes through master/registry.
import tseslint from "typescript-eslint";

// One restriction: these import patterns, with the message that says why.
const rule = (forbidden, message) => forbidden.map((group) => ({ group: [group], message }));

// ESLint applies the last config that sets a rule for a file, so a layer lists every restriction
// its files are under (later, narrower layers repeat the wider ones they sit in).
const layer = (files, ...rules) => ({
  files,
  ignores: ["**/*.test.ts", "**/testing/**"],
  rules: {
    "no-restricted-imports": ["error", { patterns: rules.flat() }],
  },
});

const masterOnly = rule(["**/agent/**", "**/runtime/**", "**/netns/**"], "Masters reach agents only through the gRPC contract in proto/.");
// The one write path (master/registry/README.md): everything that writes objects goes through
// the registry, which authorizes and admits the write; only the registry and master/store itself
// reach the store. Informers (master/cache) read through it; the assembly (master/master.ts),
// leader election and etcd maintenance use etcd for what is not API objects.
const viaRegistry = rule(
  ["**/store/**", "etcd3"],
  "Writes go through master/registry (authorization, admission, one retry policy); only master/registry and master/store reach the store.",
);
const registryIsInner = rule(
  ["../apiserver/**", "../controllers/**", "../scheduler/**", "../dispatch/**", "../certificates/**", "../bootstrap-tokens/**", "../election/**", "../leader-components", "../master", "../bootstrap"],
  "master/registry is below the HTTP layer and the components that write: they import it, never the other way.",
);
const storeIsInnermost = rule(
  ["../registry/**", "../apiserver/**", "../controllers/**", "../scheduler/**", "../dispatch/**", "../auth/**", "../cache/**"],
  "master/store is the bottom layer: it imports nothing of the master above it.",
);

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "proto/gen/**", "bench/results/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  layer(
    ["api/**/*.ts"],
    rule(
      ["**/master/**", "**/agent/**", "**/runtime/**", "**/netns/**", "**/cli/**", "node:fs*", "node:net", "node:http*", "node:child_process", "etcd3", "@grpc/*"],
      "api/ is pure Kubernetes object logic: no I/O and no imports from outer layers.",
    ),
  ),
  layer(["agent/**/*.ts", "runtime/**/*.ts", "netns/**/*.ts"], rule(["**/master/**", "etcd3"], "Agents never import master code; they talk to masters only through proto/.")),
  layer(
    ["runtime/**/*.ts", "netns/**/*.ts"],
    rule(["**/master/**", "etcd3"], "Agents never import master code; they talk to masters only through proto/."),
    rule(["**/agent/**"], "runtime/ and netns/ are libraries the agent uses, not the other way round."),
  ),
  layer(["master/**/*.ts"], masterOnly),
  layer(
    ["master/apiserver/**/*.ts", "master/controllers/**/*.ts", "master/scheduler/**/*.ts", "master/dispatch/**/*.ts", "master/certificates/**/*.ts", "master/bootstrap-tokens/**/*.ts", "master/auth/**/*.ts", "master/bootstrap.ts"],
    masterOnly,
    viaRegistry,
  ),
  layer(["master/registry/**/*.ts"], masterOnly, registryIsInner),
  layer(["master/store/**/*.ts"], masterOnly, storeIsInnermost),
  layer(["proto/**/*.ts"], rule(["**/master/**", "**/agent/**", "**/runtime/**"], "proto/ is the contract; it imports nothing of ours.")),
);
