import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * What `GET /hazelcast/health` of a member answers (member.yaml enables only that endpoint
 * group of the member's REST API). The member also sends `clusterState`, left out here.
 */
export const MemberHealthSchema = Type.Object({
  /** `ACTIVE` once the member runs normally; `PASSIVE` or `SHUT_DOWN` while it stops. */
  nodeState: Type.String(),
  /** No partition lacks its backups (a lone member is "safe" too: it has nothing to back up to). */
  clusterSafe: Type.Boolean(),
  /** How many members this member sees, itself included. */
  clusterSize: Type.Integer({ minimum: 0 }),
  /** Partition migrations still to do on this member. */
  migrationQueueSize: Type.Integer({ minimum: 0 }),
});
export type MemberHealth = Static<typeof MemberHealthSchema>;

/**
 * Asks the member at `address` (`127.0.0.1:5701`) how it is. Resolves with undefined when it
 * does not answer within `timeoutMs`, or answers something that is not a health report; never
 * rejects.
 */
export async function memberHealth(address: string, timeoutMs = 1_000): Promise<MemberHealth | undefined> {
  try {
    const response = await fetch(`http://${address}/hazelcast/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    if (!Value.Check(MemberHealthSchema, body)) return undefined;
    const { nodeState, clusterSafe, clusterSize, migrationQueueSize } = body;
    return { nodeState, clusterSafe, clusterSize, migrationQueueSize };
  } catch {
    return undefined;
  }
}
