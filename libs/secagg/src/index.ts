/**
 * `@cohort/secagg` — SecAgg+ secure aggregation as a pure protocol library (no framework, no I/O).
 * The only public entry. See docs/secagg.md for the protocol, the threat model and the guarantees.
 */
export { SecAggError, SecAggErrorCode } from './secagg-error';
export { Stage, nextStage, stageIndex, type ProtocolStage } from './stages';
export { createSecAggParams, modulusMask, MAX_DEGREE, MAX_DIMENSION, type SecAggParams, type SecAggParamsInput } from './params';
export { chooseHararyParameters, sessionGraph, type HararyGraphChoice, type HararyGraphRequirements } from './harary-parameters';
export { neighbourPositions } from './harary-graph';
export { SECAGG_MODULUS_BITS, quantize, dequantize, quantizationScale, toSigned, type UniformSource } from './quantize';
export type { CryptoSuite } from './crypto-suite';
export { createNobleCryptoSuite } from './noble-crypto-suite';
export { createNodeCryptoSuite, type NodeCryptoModule } from './node-crypto-suite';
export { expandMask, maskedInputTranscript, selfMaskKey, pairwiseMaskKey, pairwiseSign } from './key-schedule';
export { SecAggClient, type ClientState, type CreateClientOptions } from './client';
export { SecAggServer, type CohortMember, type CreateServerOptions, type ServerMember, type ServerState } from './server';
export type * from './messages';
export { encodeState, decodeState } from './state-codec';
export { planShards, addGroupSums, type ShardPlan } from './sharding';
export { addInto, subtractInto, reduceInto } from './modular';
export { toBase64, fromBase64, bytesOf } from './bytes';
