/** A unit as the messaging grid's `GET /admin/units` shows it. */
export interface GridUnit {
  url: string;
  state: 'ready' | 'down';
  reason: string;
  /** When it entered its current state (ISO-8601). */
  since: string;
}

/** The deploy manager's side of the messaging grid's loopback admin port. */
export class GridAdminClient {
  constructor(
    private readonly adminUrl: string,
    private readonly token: string,
  ) {}

  units(): Promise<GridUnit[]> {
    return this.call('GET').then((body) => body.units);
  }

  /** Replaces the routing table; resolves once units that left have no request of the grid in flight. */
  setUnits(urls: readonly string[]): Promise<GridUnit[]> {
    return this.call('PUT', { urls }).then((body) => body.units);
  }

  private async call(method: 'GET' | 'PUT', body?: unknown): Promise<{ units: GridUnit[] }> {
    const response = await fetch(`${this.adminUrl}/admin/units`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`the messaging grid's admin port answered ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as { units: GridUnit[] };
  }
}
