/**
 * Runs the EventBus contract suite against the embedded adapter. All buses of the file share one
 * in-process broker, the way processes share a Kafka cluster; tests keep apart by unique topics.
 */
import { EmbeddedBroker } from './embedded/embedded-broker';
import { EmbeddedEventBus } from './embedded/embedded-event-bus.adapter';
import { describeEventBusContract } from './testing/bus-contract';

const broker = new EmbeddedBroker();

async function readAtLeast(topic: string, atLeast: number) {
  const deadline = Date.now() + 5_000;
  while (broker.read(topic).length < atLeast && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return broker.read(topic);
}

describeEventBusContract({
  name: 'embedded',
  newBus: async () => {
    const bus = new EmbeddedEventBus({ broker, producer: 'contract-test' });
    await bus.start();
    return bus;
  },
  publishRaw: async (topic, key, value, headers = {}) => {
    broker.append(topic, key, typeof value === 'string' ? new TextEncoder().encode(value) : value, headers);
  },
  readTopic: readAtLeast,
  settleMs: 50,
  waitTimeoutMs: 5_000,
});
