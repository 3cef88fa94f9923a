/** @cohort/testing — harnesses for end-to-end tests: services as real processes, a distributed cluster. */
export { ServiceProcess, type ServiceProcessOptions } from './service-process';
export { CLUSTER_ATTESTATION_AUDIENCE, CLUSTER_ATTESTATION_ISSUER, DistributedCluster, SERVICES, type ClusterKeys, type ClusterOptions, type ServiceName } from './cluster';
export { groupAtTopicEnd, readTopic, resetCohortState, type TopicMessage } from './kafka-test-tools';
