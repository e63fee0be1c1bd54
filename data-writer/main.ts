import { parseEnv } from '../common/config.js';
import { createRootLogger } from '../common/logger.js';
import { runProcess } from '../common/run-process.js';
import { buildWriter } from './build-writer.js';
import { WriterEnv, writerConfigFromEnv } from './writer-config.js';

const env = parseEnv(WriterEnv, process.env);
const log = createRootLogger({ level: env.LOG_LEVEL });
runProcess(buildWriter(writerConfigFromEnv(env), log), log);
