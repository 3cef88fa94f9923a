/** `cohort topics [--json]`: the topic registry, as the bus creates it. */
import { parseArgs } from 'node:util';
import { ALL_TOPICS } from '@cohort/contracts';
import { EXIT, type Command } from '../command';

export const topicsCommand: Command = {
  name: 'topics',
  summary: 'list the Kafka topics Cohort uses, with keys, partitions and retention',
  usage: 'cohort topics [--json]',
  async run(args, io) {
    const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } } });
    if (values.json) {
      io.out(JSON.stringify(ALL_TOPICS, null, 2));
      return EXIT.ok;
    }
    for (const topic of ALL_TOPICS) {
      const retention = topic.retentionMs === null ? 'forever' : `${Math.round(topic.retentionMs / 86_400_000)}d`;
      io.out(`${topic.name.padEnd(44)} key=${topic.key.padEnd(9)} partitions=${String(topic.partitions).padEnd(2)} retention=${retention.padEnd(8)} ${topic.cleanupPolicy}`);
    }
    return EXIT.ok;
  },
};
