// Unit tests exercise services directly; their Nest log lines would only bury the test output.
import { Logger } from '@nestjs/common';

Logger.overrideLogger(false);
