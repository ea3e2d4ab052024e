// The scheduler's public surface: the component factory, its options and the framework contracts.

export { createScheduler, Scheduler, type SchedulerMetrics } from "./scheduler";
export { DEFAULT_OPTIONS, MAX_NODE_SCORE, Status, type FilterPlugin, type ScorePlugin, type SchedulerOptions, type ScoringStrategy } from "./types";
