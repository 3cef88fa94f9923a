/**
 * Query-time embeddings for commerce backends (and operators):
 *
 * - `POST /v1/embed` — JSON `{ "text"?: string, "image"?: base64 PNG/JPEG }`, at least one;
 * - `POST /v1/embed/image` — the raw image file as `application/octet-stream`.
 *
 * Both answer `{ encoderVersion, dimension, modalities, embedding }`, the same vector the
 * catalog consumer publishes for the same input. Bad input is a 4xx problem+json: wrong types or
 * blank text 400 `validation-failed`, undecodable image 400 `invalid-image`, too many bytes or
 * pixels 413 (`payload-too-large` from the body parser, `image-too-large` from the decoder); a
 * full queue is 503 `encoder-overloaded`, warm-up 503 `encoder-not-ready`.
 */
import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { EmbedRequest, type EmbedResponse } from '@cohort/contracts';
import { Roles, ZodValidationPipe } from '@cohort/nest-common';
import { InferenceWorkerError, InferenceWorkerErrorCode } from '../inference-worker.error';
import { EmbeddingService, type Embedding } from './embedding.service';

@Controller('v1/embed')
export class EmbedController {
  constructor(@Inject(EmbeddingService) private readonly embeddings: EmbeddingService) {}

  @Post()
  @HttpCode(200)
  @Roles('commerce-backend', 'operator')
  async embed(@Body(new ZodValidationPipe(EmbedRequest)) body: EmbedRequest): Promise<EmbedResponse> {
    const imageBytes = body.image === undefined ? undefined : new Uint8Array(Buffer.from(body.image, 'base64'));
    return this.answer(await this.embeddings.embed({ text: body.text, imageBytes }, { source: 'http' }));
  }

  @Post('image')
  @HttpCode(200)
  @Roles('commerce-backend', 'operator')
  async embedImage(@Body() body: unknown): Promise<EmbedResponse> {
    if (!Buffer.isBuffer(body)) {
      throw new InferenceWorkerError(InferenceWorkerErrorCode.UnsupportedMediaType, 'send the image file as the body with Content-Type: application/octet-stream');
    }
    if (body.length === 0) {
      throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidImage, 'the body is empty: send a PNG or JPEG file');
    }
    return this.answer(await this.embeddings.embed({ imageBytes: new Uint8Array(body.buffer, body.byteOffset, body.length) }, { source: 'http' }));
  }

  private answer(embedding: Embedding): EmbedResponse {
    return {
      encoderVersion: embedding.encoderVersion,
      dimension: embedding.vector.length,
      modalities: [...embedding.modalities],
      embedding: Array.from(embedding.vector),
    };
  }
}
