// Object lifecycle rules the apiserver applies on every write: create and update preparation,
// deletion marking and finalizers, QoS classes, and the stored-size limit. Pure functions; the
// clock, uid source and randomness are injected through LifecycleContext.

export { type LifecycleContext, type UpdateContext, formatTimestamp } from "./context";
export { prepareForCreate, resolveNamespace, NAMESPACE_MISMATCH } from "./create";
export { prepareForUpdate } from "./update";
export { generateName, MAX_GENERATED_PREFIX } from "./generate-name";
export { GENERATION_KINDS, generationChanged } from "./generation";
export { computeQosClass, type QosClass } from "./qos";
export { addFinalizer, canDeleteNow, deletionGracePeriod, hasFinalizer, markForDeletion, removeFinalizer } from "./deletion";
export { MAX_OBJECT_BYTES, checkObjectSize, objectSizeError, serializedSize, tooLargeToStore } from "./size";
export { jsonSize } from "./json-size";
export { generateJobSelector } from "./job-selector";
export { bindPod } from "./binding";
