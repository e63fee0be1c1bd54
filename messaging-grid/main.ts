import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { runProcess } from '../common/run-process.js';
import { buildGrid } from './build-grid.js';
import { GridEnv, gridConfigFromEnv } from './grid-config.js';

const env = parseEnv(GridEnv, process.env);
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildGrid(gridConfigFromEnv(env), log), log);
