import { parseArgs } from 'node:util';
import type { DomainEvent } from '../common/change-record.js';
import { holdEntryOf, holdOf } from '../common/hold-entry.js';
import { appendOutbox, trimOutbox } from '../common/outbox.js';
import type { EventRecord, Hold, SectionAggregate } from '../common/ticketing-model.js';
import type { SectionCommand, SectionContext } from '../processing-unit/ticketing/section-commands.js';
import { buildEventRecord, seatIndexOf } from '../processing-unit/ticketing/event-catalog.js';
import { decideHoldAction, type HoldAction } from '../processing-unit/ticketing/hold-rules.js';
import { newSection, sectionRules } from '../processing-unit/ticketing/section-rules.js';

const USAGE = `usage: node dist/load-test/seat-map-bench.js [--sizes 20000,90000] [--min-runs 5] [--min-ms 2000]

Applies batches of 1,000 commands to one reserved section with the real section rules, the way
processing-unit/write-path/batch-engine.ts does (JSON decode, trim, decide + evolve per command,
outbox entry, JSON encode), and prints milliseconds per batch: the whole batch, and the rules alone
(decide + evolve). Each batch starts from the same stored JSON. No grid, no network.`;

const T0 = Date.parse('2026-06-01T10:00:00.000Z');
const BATCH = 1000;

interface Scenario {
  name: string;
  /** The stored JSON every run starts from, and the batch's commands. */
  stored: string;
  commands: SectionCommand[];
}

interface Timing {
  runs: number;
  batchMedian: number;
  batchP99: number;
  batchMax: number;
  rulesMedian: number;
  /** CPU time of the batch (user + system): what wall time would be on an idle machine. */
  cpuMedian: number;
  /** Sanity: held and sold after the batch, and how many commands were refused. */
  held: number;
  sold: number;
  refused: number;
}

function reservedEvent(seats: number): EventRecord {
  return buildEventRecord(
    {
      name: 'seat map bench',
      startsAt: '2026-12-20T18:00:00Z',
      holdTtlSeconds: 3600,
      maxSeatsPerHold: 10,
      sections: [
        { id: 'hall', seats: Array.from({ length: seats }, (_, i) => `R${Math.floor(i / 50)}-${i % 50}`) },
      ],
    },
    'bench',
    T0 - 1000,
  );
}

class Bench {
  private readonly rules;
  private readonly context: SectionContext;
  private readonly seatIds: readonly string[];

  constructor(readonly event: EventRecord) {
    const spec = event.sections[0]!;
    const seatIndex = seatIndexOf(spec);
    this.seatIds = spec.seats!;
    this.rules = sectionRules(seatIndex);
    this.context = { now: T0, event, seatIndex, settledLongAgo: new Set(), filedHolds: new Map() };
  }

  fresh(): SectionAggregate {
    return newSection(this.event.id, this.event.sections[0]!);
  }

  seat(i: number): string {
    return this.seatIds[i]!;
  }

  /** One batch as the engine runs it, from stored JSON to stored JSON. */
  batch(stored: string, commands: readonly SectionCommand[], pumpedUpTo?: number) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const state = JSON.parse(stored) as SectionAggregate;
    trimOutbox(state, pumpedUpTo);
    const events: DomainEvent[] = [];
    const results: unknown[] = [];
    let refused = 0;
    const rulesStarted = performance.now();
    for (const event of this.rules.due(state, T0)) this.rules.evolve(state, event);
    for (const command of commands) {
      try {
        const decision = this.rules.decide(state, command, this.context);
        for (const event of decision.events) this.rules.evolve(state, event);
        events.push(...decision.events);
        results.push(decision.result);
      } catch {
        refused += 1;
      }
    }
    const rulesMs = performance.now() - rulesStarted;
    if (events.length > 0) {
      state.version += 1;
      appendOutbox(state, { version: state.version, at: T0, snapshot: this.rules.snapshot(state), events });
    }
    state.nextDeadline = this.rules.nextDeadline(state);
    const next = JSON.stringify(state);
    const cpu = process.cpuUsage(cpuStarted);
    const batchMs = performance.now() - started;
    return { next, state, events, results, refused, rulesMs, batchMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
}

function holdsOf(events: readonly DomainEvent[]): Hold[] {
  return events.flatMap((e) => (e.type === 'HoldPlaced' ? [e.hold] : []));
}

function closed(hold: Hold, action: HoldAction): Hold {
  const decision = decideHoldAction(holdEntryOf(hold), action, T0 + 1);
  if (decision.kind !== 'transition') throw new Error(`${hold.holdId} did not close`);
  return holdOf(decision.next);
}

function scenarios(seats: number): Scenario[] {
  const bench = new Bench(reservedEvent(seats));
  const empty = JSON.stringify(bench.fresh());
  const stride = Math.floor(seats / BATCH);
  const byQuantity = (prefix: string): SectionCommand[] =>
    Array.from({ length: BATCH }, (_, i) => ({
      type: 'placeHold',
      holdId: `${prefix}${i}`,
      customerId: `c${i}`,
      quantity: 1,
    }));
  const bySeat = (prefix: string, offset: number): SectionCommand[] =>
    Array.from({ length: BATCH }, (_, i) => ({
      type: 'placeHold',
      holdId: `${prefix}${i}`,
      customerId: `c${i}`,
      seats: [bench.seat(i * stride + offset)],
    }));

  // 1,000 seats held one by one in an earlier batch (committed, its outbox entry already pumped).
  const earlier = bench.batch(empty, bySeat('earlier-', 0));
  const earlierHolds = holdsOf(earlier.events);
  const withHeld = JSON.stringify(trimOutbox(earlier.state, earlier.state.version));
  const mixed: SectionCommand[] = [];
  earlierHolds.forEach((hold, i) => {
    if (i % 2 === 0) {
      const action: HoldAction = i % 4 === 0 ? { type: 'purchase', orderId: `o${i}` } : { type: 'release' };
      mixed.push({ type: 'settle', hold: closed(hold, action) });
    } else {
      mixed.push({
        type: 'placeHold',
        holdId: `new-${i}`,
        customerId: `c${i}`,
        seats: [bench.seat(i * stride + 1)],
      });
    }
  });

  // Half the section sold (every other seat), so best available has to look past the sold ones.
  const halfSold = bench.fresh();
  halfSold.seatStates = Array.from({ length: seats }, (_, i) => (i % 2 === 0 ? 'S' : 'A')).join('');
  halfSold.sold = Math.ceil(seats / 2);

  return [
    { name: '1,000 holds, best available (quantity 1)', stored: empty, commands: byQuantity('q-') },
    { name: '1,000 holds by seat id', stored: empty, commands: bySeat('s-', 0) },
    { name: '500 settles + 500 holds by seat id', stored: withHeld, commands: mixed },
    {
      name: '1,000 holds, best available, half sold',
      stored: JSON.stringify(halfSold),
      commands: byQuantity('hs-'),
    },
  ].map((s) => ({ ...s, name: `${seats.toLocaleString('en')} seats: ${s.name}` }));
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

const median = (values: number[]): number => quantile(values, 0.5);

function measure(bench: Bench, scenario: Scenario, minRuns: number, minMs: number): Timing {
  bench.batch(scenario.stored, scenario.commands); // warm-up
  const batchMs: number[] = [];
  const rulesMs: number[] = [];
  const cpuMs: number[] = [];
  const started = performance.now();
  let last: ReturnType<Bench['batch']> | undefined;
  while (batchMs.length < minRuns || performance.now() - started < minMs) {
    last = bench.batch(scenario.stored, scenario.commands);
    batchMs.push(last.batchMs);
    rulesMs.push(last.rulesMs);
    cpuMs.push(last.cpuMs);
  }
  return {
    runs: batchMs.length,
    batchMedian: median(batchMs),
    batchP99: quantile(batchMs, 0.99),
    batchMax: Math.max(...batchMs),
    rulesMedian: median(rulesMs),
    cpuMedian: median(cpuMs),
    held: last!.state.held,
    sold: last!.state.sold,
    refused: last!.refused,
  };
}

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      sizes: { type: 'string', default: '20000,90000' },
      'min-runs': { type: 'string', default: '5' },
      'min-ms': { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sizes = values.sizes.split(',').map(Number);
  const minRuns = Number(values['min-runs']);
  const minMs = Number(values['min-ms']);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2 * BATCH) || !(minRuns >= 1) || !(minMs >= 0)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  process.stdout.write(`node ${process.version}, batches of ${BATCH} commands\n\n`);
  process.stdout.write(
    '| scenario | runs | batch ms (median) | batch ms (p99) | batch ms (max) | rules ms (median) | batch CPU ms (median) | held | sold | refused |\n',
  );
  process.stdout.write('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const seats of sizes) {
    const bench = new Bench(reservedEvent(seats));
    for (const scenario of scenarios(seats)) {
      const t = measure(bench, scenario, minRuns, minMs);
      process.stdout.write(
        `| ${scenario.name} | ${t.runs} | ${t.batchMedian.toFixed(2)} | ${t.batchP99.toFixed(2)} | ${t.batchMax.toFixed(2)} | ${t.rulesMedian.toFixed(2)} | ${t.cpuMedian.toFixed(2)} | ${t.held} | ${t.sold} | ${t.refused} |\n`,
      );
    }
  }
  return 0;
}

process.exitCode = main();
