// One linter for the whole tree. Besides typescript-eslint's recommended rules it holds the
// layer boundaries of docs/ARCHITECTURE.md: arrows point inward only.
import tseslint from "typescript-eslint";

const layer = (files, forbidden, message) => ({
  files,
  ignores: ["**/*.test.ts", "**/testing/**"],
  rules: {
    "no-restricted-imports": [
      "error",
      { patterns: forbidden.map((group) => ({ group: [group], message })) },
    ],
  },
});

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
    ["**/master/**", "**/agent/**", "**/runtime/**", "**/netns/**", "**/cli/**", "node:fs*", "node:net", "node:http*", "node:child_process", "etcd3", "@grpc/*"],
    "api/ is pure Kubernetes object logic: no I/O and no imports from outer layers.",
  ),
  layer(
    ["agent/**/*.ts", "runtime/**/*.ts", "netns/**/*.ts"],
    ["**/master/**", "etcd3"],
    "Agents never import master code; they talk to masters only through proto/.",
  ),
  layer(
    ["runtime/**/*.ts", "netns/**/*.ts"],
    ["**/agent/**"],
    "runtime/ and netns/ are libraries the agent uses, not the other way round.",
  ),
  layer(
    ["master/**/*.ts"],
    ["**/agent/**", "**/runtime/**", "**/netns/**"],
    "Masters reach agents only through the gRPC contract in proto/.",
  ),
  layer(["proto/**/*.ts"], ["**/master/**", "**/agent/**", "**/runtime/**"], "proto/ is the contract; it imports nothing of ours."),
);
