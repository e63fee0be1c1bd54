import { parseEnv } from '../common/config.js';
import { ServiceUnavailableError } from '../common/errors.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig } from '../common/run-process.js';
import { buildDeployment } from './build-deployment.js';
import { DeployEnv, deployConfigFromEnv } from './dm-config.js';
import { asIs, formatLogLine } from './log-lines.js';

const env = loadConfig(() => parseEnv(DeployEnv, process.env));
const config = loadConfig(() => deployConfigFromEnv(env));
const write = (line: string) => process.stdout.write(`${line}\n`);
const format = config.logFormat === 'json' ? asIs : formatLogLine;
// The manager's own logs go through the same formatter as its children's.
const log = createRootLogger({
  level: env.LOG_LEVEL,
  destination: { write: (line) => write(format('manager', line.trimEnd())) },
});
const deployment = buildDeployment(config, log, write);

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  write(
    format(
      'manager',
      JSON.stringify({ level: 30, time: new Date().toISOString(), msg: `${signal}: stopping everything` }),
    ),
  );
  deployment.close().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, 'stopping failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
deployment.start().catch(async (err: unknown) => {
  if (err instanceof ServiceUnavailableError) log.fatal({ service: err.service }, err.message);
  else log.fatal({ err }, 'failed to start');
  await deployment.close().catch(() => undefined);
  process.exit(1);
});
