/** The federated two-tower recommender: layout, model and gradients, device training, server step, ranking. */
export { HISTORY_FEATURES, ID_HASHES, initTwoTowerParameters, itemIdBuckets, twoTowerLayout, type BlockName, type ParameterBlock, type TwoTowerLayout } from './layout';
export { FEATURE_COUNT, buildUserContext, type UserContext } from './user-context';
export { TwoTowerModel, type ItemInputs, type ItemTable, type TwoTowerLoss, type UserForward } from './two-tower-model';
export {
  exampleLoss, historyExamples, reconstructPrivateVector, trainOnDevice,
  type DeviceTrainingInput, type DeviceTrainingResult,
} from './local-training';
export { applyServerStep, type ServerOptimizerState, type ServerStepResult } from './server-optimizer';
export { initProjectionFromContent, principalDirections, type PrincipalDirections } from './content-init';
export { CatalogRanker, catalogItemInputs, itemIdRows } from './catalog-ranker';
