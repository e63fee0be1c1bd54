export type InvariantStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface InvariantResult {
  name: string;
  status: InvariantStatus;
  /** One line for a person: what was checked, or why it failed or was skipped. */
  detail: string;
  /** The first few violations. */
  failures: string[];
}

const MAX_LISTED = 10;

/** Collects violations while a check runs, then turns them into a result. */
export class Violations {
  private readonly listed: string[] = [];
  private total = 0;

  add(message: string): void {
    this.total += 1;
    if (this.listed.length < MAX_LISTED) this.listed.push(message);
  }

  get count(): number {
    return this.total;
  }

  result(name: string, passDetail: string): InvariantResult {
    if (this.total === 0) return { name, status: 'PASS', detail: passDetail, failures: [] };
    const more = this.total > this.listed.length ? ` (first ${this.listed.length} listed)` : '';
    return { name, status: 'FAIL', detail: `${this.total} violation(s)${more}`, failures: [...this.listed] };
  }
}

export const skipped = (name: string, detail: string): InvariantResult => ({
  name,
  status: 'SKIP',
  detail,
  failures: [],
});
