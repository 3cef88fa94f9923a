/**
 * @cohort/feature-device-simulator — virtual devices that use only what a real phone may (HTTPS
 * to the device-facing services), for standalone runs, end-to-end tests and load.
 */
export { ModelVersionSummary, OperatorClient, RoundSummary } from './operator-client';
export { VirtualDevice, type DeviceBehaviour, type Participation } from './virtual-device';
export { enrolPopulation, evaluateVersion, runRound, syntheticPartitions, type PopulationOptions, type RoundReport } from './simulation';
export { addWords, simulateRound, type SimulatedMechanism, type SimulatedRoundInput, type SimulatedRoundResult } from './simulated-round';
