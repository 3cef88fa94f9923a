/**
 * The simulated devices' data for standalone mode: the real Instacart purchase sample (one user
 * per device; built by `npm run setup:data` into `.data/datasets/instacart/`, every byte checked
 * against its manifest) or a seeded synthetic catalog. The catalog is the plan's: its item ids
 * are what the model scores.
 */
import { loadInstacart } from '@cohort/catalog-data';
import type { DeviceOrder } from '@cohort/client-sdk';
import { syntheticPartitions } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { openDataset } from '@cohort/datasets';
import type { StandaloneConfig } from './standalone.config';

export interface StandalonePopulation {
  readonly name: StandaloneConfig['COHORT_POPULATION'];
  readonly itemIds: readonly string[];
  readonly partitions: readonly (readonly DeviceOrder[])[];
}

export async function loadPopulation(config: StandaloneConfig): Promise<StandalonePopulation> {
  if (config.COHORT_POPULATION === 'synthetic') {
    const catalog = syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES);
    return { name: 'synthetic', itemIds: catalog.itemIds, partitions: syntheticPartitions(catalog, config.COHORT_DEVICES, config.COHORT_SYNTHETIC_ORDERS, config.COHORT_SIMULATION_SEED) };
  }
  const data = await loadInstacart(openDataset('instacart'));
  return {
    name: 'instacart',
    itemIds: data.productIds.map(String),
    partitions: data.users.slice(0, config.COHORT_DEVICES).map((user) => user.orders.map((order) => order.productIds.map(String))),
  };
}
