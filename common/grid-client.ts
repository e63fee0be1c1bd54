import {
  Client,
  IOError,
  JsonStringDeserializationPolicy,
  LifecycleState,
  LogLevel,
  ReconnectMode,
  type ClientConfig,
  type ILogger,
} from 'hazelcast-client';
import { canConnect } from './net.js';
import { ServiceCredentialsError, ServiceUnreachableError } from './errors.js';
import type { Logger } from './logger.js';

export type HazelcastClient = Client;

export interface GridClientOptions {
  members: readonly string[];
  clusterName: string;
  /**
   * How long the first connection may take before giving up (a wrong address fails fast). Once
   * connected, the client never gives up: it reconnects after an outage of any length.
   */
  connectTimeoutMs?: number;
  /** Client name shown in member logs, e.g. `unit-8100`. */
  instanceName?: string;
  log: Logger;
}

/**
 * A grid client and what it knows of its link to the cluster, kept current by the client's
 * lifecycle events. The client reconnects by itself, for ever, after any outage; while it is
 * away every grid call fails at once (never waits), so a caller asks `connected` first and says
 * `reason` instead. `connections` grows on every (re)connection: a caller that remembers it can
 * tell that the link went down meanwhile, and that the members may have come back empty.
 */
export class GridLink {
  private current: HazelcastClient | undefined;
  private up = false;
  private everUp = false;
  private ended: 'closed' | 'shut down' | undefined;
  private changedAt = new Date();
  private count = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly log: Logger) {}

  get client(): HazelcastClient {
    if (!this.current) throw new Error('the grid client is not started');
    return this.current;
  }

  get connected(): boolean {
    return this.up;
  }

  /** How many times the client has connected to the cluster (1 after the first connection). */
  get connections(): number {
    return this.count;
  }

  /** Why the grid cannot be used now, for people; undefined while connected. */
  get reason(): string | undefined {
    if (this.up) return undefined;
    if (this.ended === 'closed') return 'the grid client is closed';
    if (this.ended === 'shut down')
      return `the grid client shut down at ${this.changedAt.toISOString()} and will not reconnect: restart this process`;
    if (!this.everUp) return 'connecting to the grid';
    return `the grid is unreachable: reconnecting since ${this.changedAt.toISOString()}`;
  }

  /** Calls `listener` after every change of `connected`; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leaves the cluster for good (the owner's shutdown). */
  async close(): Promise<void> {
    this.ended ??= 'closed';
    await this.current?.shutdown();
  }

  /** Hands the client to a caller that follows no link state and shuts it down itself. */
  detach(): HazelcastClient {
    this.ended ??= 'closed';
    return this.client;
  }

  /** @internal Given to the client as its lifecycle listener. */
  lifecycle(state: LifecycleState): void {
    const wasUp = this.up;
    if (state === LifecycleState.CONNECTED) {
      this.up = true;
      this.count += 1;
      if (this.everUp)
        this.log.warn(
          { downSeconds: Math.round((Date.now() - this.changedAt.getTime()) / 100) / 10 },
          'reconnected to the grid',
        );
      this.everUp = true;
    } else if (state === LifecycleState.DISCONNECTED) {
      this.up = false;
      if (!this.ended) this.log.warn('lost the grid: reconnecting until it is back');
    } else if (state === LifecycleState.SHUTTING_DOWN || state === LifecycleState.SHUTDOWN) {
      this.up = false;
      if (!this.ended && this.everUp)
        this.log.error('the grid client shut down by itself: it will not reconnect');
      this.ended ??= 'shut down';
    } else {
      return;
    }
    if (wasUp === this.up) return;
    this.changedAt = new Date();
    for (const listener of this.listeners) listener();
  }

  /** @internal */
  attach(client: HazelcastClient): void {
    this.current = client;
  }
}

/**
 * Connects to the Hazelcast cluster and stays connected for ever (see `GridLink`). JSON values
 * come back as raw `HazelcastJsonValue`s (never parsed by the client), because `replaceIfSame`
 * must be given the exact bytes that were read.
 *
 * The client's connect timeout bounds its first connection and every reconnection alike, and a
 * client that reaches it shuts down for good. So the first connection is made by a short-lived
 * client that does give up (a wrong address fails fast, in one sentence), and the client kept is
 * one that never does. (`asyncStart` would avoid the second client, but a smart client started
 * that way never opens connections to the other members: it misses their listener events.)
 */
export async function openGridLink(options: GridClientOptions): Promise<GridLink> {
  const timeoutMs = options.connectTimeoutMs ?? 20_000;
  const log = options.log.child({ module: 'hazelcast' });
  try {
    const first = await Client.newHazelcastClient(
      clientConfig(
        options,
        timeoutMs,
        hazelcastLogger(log, () => false),
      ),
    );
    await first.shutdown();
  } catch (err) {
    // The client says only that it could not connect; a member that takes a TCP connection but let
    // the client in nowhere has refused it (another cluster's name), where silence is an outage.
    const answering = await membersAnswering(options.members);
    if (answering.length > 0)
      throw new ServiceCredentialsError(
        'Hazelcast',
        `Hazelcast at ${answering.join(', ')} answered, but let no client into cluster "${options.clusterName}" ` +
          `within ${timeoutMs / 1000} s: set HZ_CLUSTER_NAME to the members' cluster name, and check that ` +
          'HZ_MEMBERS lists Hazelcast members.',
        err,
      );
    throw new ServiceUnreachableError(
      'Hazelcast',
      `Hazelcast is unreachable at ${options.members.join(', ')} (cluster "${options.clusterName}"): ` +
        'start the members with `npm start`, or point HZ_MEMBERS and HZ_CLUSTER_NAME at a running cluster.',
      err,
    );
  }
  const link = new GridLink(options.log.child({ module: 'grid-link' }));
  const config = clientConfig(
    options,
    -1,
    hazelcastLogger(log, () => link.connected),
  );
  config.lifecycleListeners = [(state) => link.lifecycle(state)];
  if (options.instanceName) config.instanceName = options.instanceName;
  const client = await Client.newHazelcastClient(config);
  closeConnectionsThatFailAWrite(client);
  link.attach(client);
  options.log.info({ members: options.members, clusterName: options.clusterName }, 'connected to the grid');
  return link;
}

/** The parts of hazelcast-client 5.6's connections that `closeConnectionsThatFailAWrite` mends. */
interface ClientConnection {
  close(reason: string | null, cause: Error | null): void;
  readonly socket?: { readonly destroyed?: boolean; once(event: 'close', listener: () => void): unknown };
  readonly writer?: { readonly error?: Error; handleError?: (error: Error, sent: unknown[]) => void };
}
interface ConnectionManagerInternals {
  on(event: 'connectionAdded', listener: (connection: ClientConnection) => void): unknown;
  getConnectionRegistry(): { getConnections(): ClientConnection[] };
}

/**
 * hazelcast-client 5.6 leaves a connection open, as if alive, when a write to its socket fails
 * before the client has read the member's end (a member killed while a write is on its way: its
 * writer destroys the socket, so neither 'error' nor 'end' ever comes). Calls waiting on it then
 * hang until the heartbeat timeout; if it carried the cluster-view listener, nothing tells the
 * client the member left; and a listener moved onto it retries without pause, for ever (a process
 * that spins and runs out of memory). So every connection is closed as soon as its writer fails
 * or its socket closes, which is what the client does on 'error' and 'end'. Closing twice is a
 * no-op in the client. (common/grid-client-dead-connection.test.ts reproduces it.)
 */
function closeConnectionsThatFailAWrite(client: HazelcastClient): void {
  const manager = (
    client as unknown as { getConnectionManager(): ConnectionManagerInternals }
  ).getConnectionManager();
  const mend = (connection: ClientConnection): void => {
    const writer = connection.writer;
    // Broken already (while the client was starting, before it could be mended): close it now.
    if (writer?.error || connection.socket?.destroyed) {
      connection.close('Socket write failed.', writer?.error ?? new IOError('Socket closed.'));
      return;
    }
    const handleError = writer?.handleError;
    if (writer && handleError) {
      writer.handleError = (error, sent) => {
        handleError.call(writer, error, sent);
        connection.close('Socket write failed.', error);
      };
    }
    connection.socket?.once('close', () => connection.close('Socket closed.', new IOError('Socket closed.')));
  };
  manager.on('connectionAdded', mend);
  for (const connection of manager.getConnectionRegistry().getConnections()) mend(connection);
}

/** How often an idle client pings each member, and when it gives one up. */
const CLIENT_HEARTBEAT_INTERVAL_MS = 2_000;
const CLIENT_HEARTBEAT_TIMEOUT_MS = 15_000;

function clientConfig(options: GridClientOptions, connectTimeoutMs: number, logger: ILogger): ClientConfig {
  return {
    clusterName: options.clusterName,
    network: { clusterMembers: [...options.members], smartRouting: true },
    connectionStrategy: {
      // While disconnected, calls fail at once (ClientOfflineError) instead of waiting for the
      // invocation timeout (two minutes), and the client reconnects in the background.
      reconnectMode: ReconnectMode.ASYNC,
      connectionRetry: {
        // -1: never give up, whatever the outage's length.
        clusterConnectTimeoutMillis: connectTimeoutMs,
        initialBackoffMillis: 200,
        maxBackoffMillis: 2000,
      },
    },
    customLogger: logger,
    serialization: { jsonStringDeserializationPolicy: JsonStringDeserializationPolicy.NO_DESERIALIZATION },
    properties: {
      'hazelcast.client.statistics.enabled': false,
      // A member that goes silent without closing its connections (frozen, its machine cut off, or a
      // close the client missed) is given up after this long without a read, not Hazelcast's 60 s:
      // until then a part would answer /readyz 200 and its calls wait. Pings every 2 s when idle.
      'hazelcast.client.heartbeat.interval': CLIENT_HEARTBEAT_INTERVAL_MS,
      'hazelcast.client.heartbeat.timeout': CLIENT_HEARTBEAT_TIMEOUT_MS,
    },
  };
}

/** The members (`host:port`, or `host` for Hazelcast's 5701) that take a TCP connection within a second. */
async function membersAnswering(members: readonly string[]): Promise<string[]> {
  const answers = await Promise.all(
    members.map((member) => {
      const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(member);
      const plain = /^([^:]+)(?::(\d+))?$/.exec(member);
      const [, host, port] = bracketed ?? plain ?? [member, member, undefined];
      return canConnect(Number(port ?? 5701), host ?? member);
    }),
  );
  return members.filter((_, i) => answers[i]);
}

/** A connected grid client, for callers that need no link state (tests, tools). */
export async function connectGrid(options: GridClientOptions): Promise<HazelcastClient> {
  return (await openGridLink(options)).detach();
}

/**
 * The client's own log lines, into ours. While the link is down, the client warns on every retry
 * (every two seconds, for as long as the outage lasts): those go to debug, since `GridLink` says
 * once that the grid is lost and once that it is back. Info lines (each connection opened or
 * closed) go to debug too.
 */
function hazelcastLogger(log: Logger, linkUp: () => boolean): ILogger {
  const RETRYING = new Set(['WaitStrategy', 'ConnectionManager']);
  const write = (level: LogLevel, source: string, message: string, furtherInfo: unknown): void => {
    const fields = { source, ...(furtherInfo ? { err: furtherInfo } : {}) };
    if (level === LogLevel.ERROR) log.error(fields, message);
    else if (level === LogLevel.WARN && (linkUp() || !RETRYING.has(source))) log.warn(fields, message);
    else if (level <= LogLevel.INFO) log.debug(fields, message);
    else log.trace(fields, message);
  };
  return {
    log: write,
    error: (source, message, info) => write(LogLevel.ERROR, source, message, info),
    warn: (source, message, info) => write(LogLevel.WARN, source, message, info),
    info: (source, message, info) => write(LogLevel.INFO, source, message, info),
    debug: (source, message, info) => write(LogLevel.DEBUG, source, message, info),
    trace: (source, message, info) => write(LogLevel.TRACE, source, message, info),
  };
}
