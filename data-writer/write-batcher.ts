import type { ChangeRecord } from '../common/change-record.js';

interface Waiting {
  record: ChangeRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface WriteBatcherOptions {
  /** Writes one batch in one transaction. */
  write(records: ChangeRecord[]): Promise<void>;
  /** Largest batch. */
  maxBatch?: number;
  /** How long the first job of a batch waits for company. */
  lingerMs?: number;
  onBatch?: (size: number, ms: number) => void;
}

/**
 * Group commit for the data writer: BullMQ hands jobs to many concurrent processor calls; each
 * call parks its record here, and one transaction writes all of them. Each job completes only
 * when its transaction has committed; if it fails, every job of the batch fails and is retried.
 */
export class WriteBatcher {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: WriteBatcherOptions) {}

  add(record: ChangeRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      if (this.waiting.length >= (this.options.maxBatch ?? 500)) this.flushSoon(0);
      else if (!this.timer) this.flushSoon(this.options.lingerMs ?? 5);
    });
  }

  /** Writes whatever is waiting now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return this.writing;
    // One transaction at a time keeps the pool free and batches large under load.
    this.writing = this.writing.then(async () => {
      const started = performance.now();
      try {
        await this.options.write(batch.map((w) => w.record));
        this.options.onBatch?.(batch.length, performance.now() - started);
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    });
    return this.writing;
  }

  private flushSoon(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), ms);
  }
}
