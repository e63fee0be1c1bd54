import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { loadConfig, runProcess } from '../common/run-process.js';
import { buildWriter } from './build-writer.js';
import { WriterEnv, writerConfigFromEnv } from './writer-config.js';

const env = loadConfig(() => parseEnv(WriterEnv, process.env));
const config = loadConfig(() => writerConfigFromEnv(env));
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildWriter(config, log), log);
