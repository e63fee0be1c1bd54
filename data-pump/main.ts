import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig, runProcess } from '../common/run-process.js';
import { buildPump } from './build-pump.js';
import { PumpEnv, pumpConfigFromEnv } from './pump-config.js';

const env = loadConfig(() => parseEnv(PumpEnv, process.env));
const config = loadConfig(() => pumpConfigFromEnv(env));
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildPump(config, log), log);
