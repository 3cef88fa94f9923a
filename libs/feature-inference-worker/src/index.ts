/** @cohort/feature-inference-worker — the item encoder service: dynamic batching, `POST /v1/embed`, catalog embeddings (inference-worker's domain). */
export { InferenceWorkerModule } from './inference-worker.module';
export {
  inferenceWorkerConfigShape,
  refineInferenceWorkerConfig,
  inferenceWorkerOptionsFromConfig,
  inferenceWorkerHttpOptions,
  INFERENCE_WORKER_OPTIONS,
  DEFAULT_CONSUMER_GROUP,
  EMBED_IMAGE_ROUTE,
  type InferenceWorkerOptions,
} from './inference-worker.options';
export { InferenceWorkerError, InferenceWorkerErrorCode } from './inference-worker.error';
export { DynamicBatcher, BatcherRejection, type BatcherRejectionCode, type BatcherObserver, type DynamicBatcherOptions, type SubmitOptions } from './batching/dynamic-batcher';
export { EmbeddingService, type EmbedInput, type Embedding, type EmbedOptions, type EmbedSource, type Modality } from './embedding/embedding.service';
export { CatalogItemConsumer } from './catalog/catalog-item.consumer';
export { catalogItemText } from './catalog/catalog-item-text';
export { onnxItemEncoderFactory, itemEncoderPort } from './encoder/onnx-item-encoder.factory';
export {
  ITEM_ENCODER_FACTORY,
  type ItemEncoderFactory,
  type ItemEncoderPort,
  type ItemInput,
  type DecodedImage,
  type EncoderSettings,
  type ExecutionProvider,
  type ImageDecoder,
  type ImageLimits,
} from './encoder/item-encoder.port';
