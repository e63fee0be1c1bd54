import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '../common/logger.js';
import { describeError } from './unit-pool.js';
import { normalizeUnitUrl, normalizeUnitUrls } from './unit-url.js';

/** The addresses a host name has now; rejects (or resolves to none) when that cannot be told. */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

/**
 * How the grid resolves unit names unless told otherwise: `dns.lookup` (getaddrinfo), the way every
 * connection of the process resolves names. It reads /etc/hosts, nsswitch and resolv.conf's search
 * domains and `ndots` (so `unit` is `unit.spacegrid.svc.cluster.local` in Kubernetes), and asks the
 * system's resolver: Docker's embedded DNS, or the cluster DNS, which answer one record per unit
 * container or ready pod. c-ares (`dns.resolve4`) would skip /etc/hosts and nsswitch. Nothing is
 * cached in the process: each round sees the answer of that moment.
 */
export const lookupAll: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true })).map((address) => address.address);

export interface UnitDiscoveryOptions {
  /** The unit URLs whose host names are resolved (UNIT_URLS); `setSources` replaces them. */
  sources: readonly string[];
  /** Pause between the end of one resolution round and the start of the next. */
  intervalMs: number;
  /** Replaces the units behind the grid (the pool's `setUnits`, the path `PUT /admin/units` takes). */
  setUnits(urls: readonly string[]): Promise<void>;
  /** Default: {@link lookupAll}. */
  resolve?: ResolveHost;
  log: Logger;
}

/** What one source resolved to last, and how many rounds in a row it has failed since. */
interface Known {
  urls: readonly string[];
  failures: number;
}

/**
 * DNS discovery of the units behind one name: every round resolves the host name of each source
 * URL to all of its addresses and gives the pool one unit per address (same scheme and port), so
 * each container or pod is a routing target of its own. A name that fails to resolve, or resolves
 * to nothing, keeps the units it had (the URL as written until it has ever resolved): a DNS hiccup
 * never empties the grid. Rounds run one at a time, `intervalMs` apart.
 */
export class UnitDiscovery {
  private readonly options: UnitDiscoveryOptions;
  private readonly resolve: ResolveHost;
  private readonly log: Logger;
  private readonly known = new Map<string, Known>();
  private sources: readonly string[];
  /** Bumped by `setSources`: a round that started before it does not apply what it found. */
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: UnitDiscoveryOptions) {
    this.options = options;
    this.resolve = options.resolve ?? lookupAll;
    this.log = options.log;
    this.sources = normalizeUnitUrls(options.sources);
  }

  /** Resolves once (the units are set and had their first health check), then keeps resolving. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  /**
   * Replaces the URLs whose names are resolved, and resolves them at once: resolves when the pool
   * has the new units, as `setUnits` would. Throws `ValidationError` for a malformed URL, changing
   * nothing.
   */
  async setSources(urls: readonly string[]): Promise<void> {
    const sources = normalizeUnitUrls(urls);
    this.sources = sources;
    this.generation++;
    await this.refresh();
  }

  /** Stops resolving; resolves once a round still running has finished. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  /** One round, after any round queued before it. */
  private refresh(): Promise<void> {
    const round = this.queue.then(() => this.round());
    this.queue = round.catch(() => undefined);
    return round;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((err: unknown) => this.log.error({ err }, 'could not apply the discovered units'))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    if (this.closed) return;
    const generation = this.generation;
    const sources = this.sources;
    const found = await Promise.all(sources.map((source) => this.resolveSource(source)));
    if (this.closed || generation !== this.generation) return;
    for (const source of this.known.keys()) if (!sources.includes(source)) this.known.delete(source);
    await this.options.setUnits([...new Set(found.flat())]);
  }

  private async resolveSource(source: string): Promise<readonly string[]> {
    const hostname = new URL(source).hostname;
    if (isIP(unbracket(hostname)) !== 0) return [source];
    let urls: string[] = [];
    let reason = 'the name has no addresses';
    try {
      urls = unitUrlsAt(source, await this.resolve(hostname));
    } catch (err) {
      reason = describeError(err);
    }
    const known = this.known.get(source);
    if (urls.length > 0) {
      if (known !== undefined && known.failures > 0)
        this.log.info({ source, failures: known.failures, units: urls }, 'unit name resolves again');
      this.known.set(source, { urls, failures: 0 });
      return urls;
    }
    const kept = known?.urls ?? [source];
    // Once per failing streak: a name down for minutes would otherwise warn every round.
    if (known === undefined || known.failures === 0)
      this.log.warn({ source, reason, kept }, 'unit name did not resolve: keeping the units it had');
    this.known.set(source, { urls: kept, failures: (known?.failures ?? 0) + 1 });
    return kept;
  }
}

/**
 * The unit URL of each address: `source` with the host replaced, normalized, sorted, no duplicates.
 * One address family only, IPv4 when there is any, so that a dual-stack unit is one unit and not
 * two. Addresses a URL cannot carry (an IPv6 zone) are left out.
 */
export function unitUrlsAt(source: string, addresses: readonly string[]): string[] {
  const v4 = addresses.filter((address) => isIP(address) === 4);
  const chosen = v4.length > 0 ? v4 : addresses.filter((address) => isIP(address) === 6);
  const { protocol, port } = new URL(source);
  const urls = new Set<string>();
  for (const address of chosen) {
    const host = isIP(address) === 6 ? `[${address}]` : address;
    try {
      urls.add(normalizeUnitUrl(`${protocol}//${host}${port === '' ? '' : `:${port}`}`));
    } catch {
      // not expressible as a URL: skipped
    }
  }
  return [...urls].sort();
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
