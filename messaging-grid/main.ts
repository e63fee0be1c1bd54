import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig, runProcess } from '../common/run-process.js';
import { buildGrid } from './build-grid.js';
import { GridEnv, gridConfigFromEnv } from './grid-config.js';

const env = loadConfig(() => parseEnv(GridEnv, process.env));
const config = loadConfig(() => gridConfigFromEnv(env));
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildGrid(config, log), log);
