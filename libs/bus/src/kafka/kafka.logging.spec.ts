/** kafkajs log routing and header conversion, without a broker. */
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { BusLogger } from '../bus.logger';
import { headersToStrings, kafkaLogCreator } from './kafka.logging';

function capture() {
  const lines: Array<[level: string, msg: string, obj: Record<string, unknown>]> = [];
  const logger: BusLogger = {
    info: (obj, msg) => lines.push(['info', msg, obj]),
    warn: (obj, msg) => lines.push(['warn', msg, obj]),
    error: (obj, msg) => lines.push(['error', msg, obj]),
  };
  return { logger, lines };
}

describe('kafkajs logging', () => {
  it('keeps real errors as errors and demotes routine rebalance noise to info', () => {
    const { logger, lines } = capture();
    const log = kafkaLogCreator(logger)(logLevel.WARN);
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', message: 'Response Heartbeat(key: 12, version: 3)', error: 'The group is rebalancing, so a rejoin is needed', groupId: 'g' } });
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', broker: '127.0.0.1:9092' } });
    log({ namespace: 'Consumer', level: logLevel.WARN, label: 'WARN', log: { timestamp: 't', message: 'something odd', value: 'never forwarded' } });
    expect(lines.map(([level, msg]) => [level, msg])).toEqual([
      ['info', 'kafkajs: Response Heartbeat(key: 12, version: 3)'],
      ['error', 'kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
      ['warn', 'kafkajs: something odd'],
    ]);
    expect(lines[0]![2]).toMatchObject({ kafkajs: 'Connection', groupId: 'g' });
    expect(lines[2]![2]).not.toHaveProperty('value');
  });

  it('turns kafkajs headers into strings, last value of a repeated header winning', () => {
    expect(headersToStrings({ a: Buffer.from('é'), b: 'plain', c: [Buffer.from('1'), '2'], d: undefined })).toEqual({ a: 'é', b: 'plain', c: '2' });
    expect(headersToStrings(undefined)).toEqual({});
  });
});
