// Leader election's public surface. See README.md.

export type { LeaderTerm, Leadership, LeadershipHandler } from "./leadership";
export { LeaderElection, type LeaderElectionOptions } from "./election";
export { ComponentRunner } from "./component-runner";
export { EtcdElectionBackend, LEADER_KEY, type ElectionBackend } from "./etcd-backend";
export { LeaseObjectPublisher, LEASE_NAME, LEASE_NAMESPACE, EPOCH_ANNOTATION } from "./lease-object";
export {
  DEFAULT_TIMING,
  RENEW_RETRY_MS,
  ElectionMachine,
  timingForTtl,
  timingProblems,
  type CampaignOutcome,
  type ElectionAction,
  type ElectionEvent,
  type ElectionStatus,
  type ElectionTiming,
  type LeaderRecord,
  type Observation,
  type Phase,
  type RenewOutcome,
} from "./machine";
export { importClusterCa, initialClusterFor, memberClientUrls, memberExists, parseInitialCluster } from "./ha-setup";
export { joinCluster, memberIsLearner, promoteToVoter } from "./member-join";
export { leaderFence, NotLeaderError, type FenceCheck, type WriteFence } from "./fence";
export { WarmStandby } from "./warm-standby";
