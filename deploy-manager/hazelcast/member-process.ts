/**
 * The Hazelcast member processes of a local deployment, as the rest of the code imports them:
 * one member JVM (`member-jvm.ts`) and a cluster of them (`member-cluster.ts`). The supervisor
 * that restarts members which die is `member-supervisor.ts`.
 */
export { PortInUseError, startMember, type MemberHandle, type StartMemberOptions } from './member-jvm.js';
export { startCluster, type ClusterHandle, type StartClusterOptions } from './member-cluster.js';
