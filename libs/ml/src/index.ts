/**
 * @cohort/ml — model math that runs on devices and servers alike: the two-tower recommender
 * (gradients, device training, server optimizers, ranking), clipping, leave-last-order-out
 * evaluation, and seeded synthetic populations. Pure: no framework, no I/O, no Node built-ins.
 */
export * from './vectors';
export * from './hashing';
export * from './synthetic-population';
export * from './evaluation';
export * from './two-tower';
