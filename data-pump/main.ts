import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { runProcess } from '../common/run-process.js';
import { buildPump } from './build-pump.js';
import { PumpEnv, pumpConfigFromEnv } from './pump-config.js';

const env = parseEnv(PumpEnv, process.env);
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildPump(pumpConfigFromEnv(env), log), log);
