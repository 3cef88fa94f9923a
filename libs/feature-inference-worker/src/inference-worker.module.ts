import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { CatalogItemConsumer } from './catalog/catalog-item.consumer';
import { EmbedController } from './embedding/embed.controller';
import { EmbeddingService } from './embedding/embedding.service';
import { ITEM_ENCODER_FACTORY, type ItemEncoderFactory } from './encoder/item-encoder.port';
import { onnxItemEncoderFactory } from './encoder/onnx-item-encoder.factory';
import { INFERENCE_WORKER_OPTIONS, type InferenceWorkerOptions } from './inference-worker.options';

/**
 * inference-worker: the multi-modal item encoder on ONNX Runtime behind a dynamic batcher;
 * `POST /v1/embed` at query time, CatalogItemUpserted → CatalogItemEmbedded in the background.
 * Needs CohortCommonModule and CohortInfrastructureModule (bus, blob store) in the app; give the
 * app's CohortCommonModule `inferenceWorkerHttpOptions(options)` for the image body limits.
 * `encoderFactory` replaces the ONNX encoder (tests).
 */
@Module({})
export class InferenceWorkerModule {
  static forRoot(options: InferenceWorkerOptions, overrides: { readonly encoderFactory?: ItemEncoderFactory } = {}): DynamicModule {
    const encoder: Provider = { provide: ITEM_ENCODER_FACTORY, useValue: overrides.encoderFactory ?? onnxItemEncoderFactory };
    return {
      module: InferenceWorkerModule,
      controllers: [EmbedController],
      providers: [{ provide: INFERENCE_WORKER_OPTIONS, useValue: options }, encoder, EmbeddingService, CatalogItemConsumer],
      exports: [EmbeddingService],
    };
  }
}
