import { UsageError, USAGE, parseCliArgs } from './cli-options.js';
import { formatSummary } from './report/format-summary.js';
import { writeReportFiles } from './report/write-report-files.js';
import { runLoad } from './run-load.js';
import { SetupError } from './scenarios/setup-api.js';

/** `node dist/load-test/cli.js <scenario> [options]`: the only file of the harness that touches `process`. */
async function main(): Promise<number> {
  const command = parseCliArgs(process.argv.slice(2));
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('stopping the load (again to quit at once)…\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const report = await runLoad({
    ...command.load,
    signal: stop.signal,
    ...(command.quiet ? {} : { progress: (line: string) => process.stderr.write(`${line}\n`) }),
  });
  process.stdout.write(`\n${formatSummary(report)}\n`);
  const files = await writeReportFiles(report, command.reportsDir);
  process.stdout.write(`reports: ${files.json}\n         ${files.html}\n`);
  return report.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    else if (err instanceof SetupError) process.stderr.write(`cannot start the load: ${err.message}\n`);
    else
      process.stderr.write(
        `load test failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    process.exitCode = 2;
  },
);
