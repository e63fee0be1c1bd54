import type { IMap } from 'hazelcast-client';

/**
 * This unit's view of how far the data pump has delivered each aggregate's outbox, by
 * `aggregateId` (kind and key: an event and an auction may share a key). Kept current by
 * an entry listener (pushed by the members, no round trip on the write path); a late or missed
 * update only means an entry is trimmed one batch later.
 */
export class PumpMarksView {
  private readonly marks = new Map<string, number>();
  private listenerId: string | undefined;

  constructor(private readonly map: IMap<string, number>) {}

  async start(): Promise<void> {
    const remember = (event: { key: string; value: number }): void => {
      const value = Number(event.value);
      if (!((this.marks.get(event.key) ?? -1) >= value)) this.marks.set(event.key, value);
    };
    this.listenerId = await this.map.addEntryListener(
      { added: remember, updated: remember },
      undefined,
      true,
    );
  }

  get(aggregateId: string): number | undefined {
    return this.marks.get(aggregateId);
  }

  async close(): Promise<void> {
    if (this.listenerId) await this.map.removeEntryListener(this.listenerId).catch(() => false);
    this.listenerId = undefined;
  }
}
