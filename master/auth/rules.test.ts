import { test } from "node:test";
import assert from "node:assert/strict";
import { RULES_NOT_LISTABLE, rulesFor, type RulesResolver } from "./rules";

const admin = { name: "admin", groups: ["system:masters", "system:authenticated"] };
const alice = { name: "alice", groups: ["system:authenticated"] };
const everything = {
  resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
  nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
};

test("without a resolver only system:masters' rules can be listed; others get an honest 'incomplete'", () => {
  assert.deepEqual(rulesFor(undefined, admin, "default"), { ...everything, incomplete: false });
  assert.deepEqual(rulesFor(undefined, alice, "default"), { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: RULES_NOT_LISTABLE });
});

test("a resolver answers for the user and namespace; masters get the bypass's rules first", () => {
  const asked: string[] = [];
  const resolver: RulesResolver = {
    rulesFor(user, namespace) {
      asked.push(`${user.name}@${namespace}`);
      return { resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], nonResourceRules: [], incomplete: false };
    },
  };
  assert.deepEqual(rulesFor(resolver, alice, "web"), { resourceRules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }], nonResourceRules: [], incomplete: false });
  const forAdmin = rulesFor(resolver, admin, "web");
  assert.deepEqual(forAdmin.resourceRules, [...everything.resourceRules, { verbs: ["get"], apiGroups: [""], resources: ["pods"] }]);
  assert.deepEqual(forAdmin.nonResourceRules, everything.nonResourceRules);
  assert.deepEqual(asked, ["alice@web", "admin@web"]);
});
