import { Client, JsonStringDeserializationPolicy } from 'hazelcast-client';

export type HazelcastClient = Client;
import { ServiceUnavailableError } from './errors.js';
import type { Logger } from './logger.js';

export interface GridClientOptions {
  members: readonly string[];
  clusterName: string;
  /** How long to keep trying to reach the cluster before giving up. */
  connectTimeoutMs?: number;
  /** Client name shown in member logs, e.g. `unit-8100`. */
  instanceName?: string;
  log: Logger;
}

/**
 * Connects to the Hazelcast cluster. JSON values come back as raw `HazelcastJsonValue`s (never
 * parsed by the client), because `replaceIfSame` must be given the exact bytes that were read.
 */
export async function connectGrid(options: GridClientOptions): Promise<HazelcastClient> {
  const timeout = options.connectTimeoutMs ?? 20_000;
  try {
    const client = await Client.newHazelcastClient({
      clusterName: options.clusterName,
      ...(options.instanceName ? { instanceName: options.instanceName } : {}),
      network: { clusterMembers: [...options.members], smartRouting: true },
      connectionStrategy: {
        connectionRetry: {
          clusterConnectTimeoutMillis: timeout,
          initialBackoffMillis: 200,
          maxBackoffMillis: 2000,
        },
      },
      serialization: { jsonStringDeserializationPolicy: JsonStringDeserializationPolicy.NO_DESERIALIZATION },
      properties: { 'hazelcast.logging.level': 'WARN', 'hazelcast.client.statistics.enabled': false },
    });
    options.log.info({ members: options.members, clusterName: options.clusterName }, 'connected to the grid');
    return client;
  } catch (err) {
    throw new ServiceUnavailableError(
      'Hazelcast',
      `Hazelcast is unreachable at ${options.members.join(', ')} (cluster "${options.clusterName}"): ` +
        'start the members with `npm start`, or point HZ_MEMBERS and HZ_CLUSTER_NAME at a running cluster.',
      err,
    );
  }
}
