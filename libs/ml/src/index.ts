/**
 * @cohort/ml — model math that runs on devices and servers alike: local training, clipping,
 * federated averaging, ranking, and seeded synthetic populations. Pure: no framework, no I/O.
 */
export * from './popularity-model';
export * from './synthetic-population';
