/**
 * Texts → the text network's int64 feeds, with all-MiniLM-L6-v2's own WordPiece vocabulary
 * (`tokenizer.json` from the model package) run by `@huggingface/tokenizers` (Hugging Face's
 * pure-JS port of their Rust `tokenizers`, zero dependencies, the tokenizer inside transformers.js).
 *
 * Invariants: ids equal Python `tokenizers` for the same file (fixture test); each text is cut to
 * `maxTokens` ids *including* [CLS] and [SEP], as sentence-transformers does (max_seq_length 256);
 * a batch is padded with [PAD] = 0 to its longest text, attention mask 0 on padding, token types 0.
 */
import { type Tokenizer } from '@huggingface/tokenizers';
import { EncoderInputError } from './encoder.error';

export interface TokenizedBatch {
  readonly batch: number;
  readonly sequence: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

/** A text the encoder accepts: a string with at least one non-whitespace character. */
export function assertText(text: unknown, index = 0): asserts text is string {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new EncoderInputError('empty-text', `texts[${index}] is empty`);
  }
}

export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly clsId: number,
    private readonly sepId: number,
    private readonly padId: number,
    readonly maxTokens: number,
  ) {}

  /** `tokenizerJson` / `tokenizerConfig`: the parsed `tokenizer.json` and `tokenizer_config.json`. */
  static async create(tokenizerJson: object, tokenizerConfig: object, maxTokens: number): Promise<TextTokenizer> {
    // The package is ESM-only in its types; a dynamic import works from CommonJS.
    const { Tokenizer: TokenizerClass } = await import('@huggingface/tokenizers');
    const tokenizer = new TokenizerClass(tokenizerJson, tokenizerConfig);
    const id = (token: string): number => {
      const ids = tokenizer.encode(token, { add_special_tokens: false }).ids;
      if (ids.length !== 1) throw new Error(`special token ${token} is not a single id`);
      return ids[0]!;
    };
    if (!Number.isInteger(maxTokens) || maxTokens < 3) throw new RangeError('maxTokens must be an integer >= 3');
    return new TextTokenizer(tokenizer, id('[CLS]'), id('[SEP]'), id('[PAD]'), maxTokens);
  }

  /** Token ids of one text with [CLS] … [SEP], truncated to `maxTokens`. */
  ids(text: string, index = 0): number[] {
    assertText(text, index);
    const body = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return [this.clsId, ...body.slice(0, this.maxTokens - 2), this.sepId];
  }

  encodeBatch(texts: readonly string[]): TokenizedBatch {
    const all = texts.map((t, i) => this.ids(t, i));
    const sequence = all.reduce((m, ids) => Math.max(m, ids.length), 0);
    const batch = all.length;
    const inputIds = new BigInt64Array(batch * sequence).fill(BigInt(this.padId));
    const attentionMask = new BigInt64Array(batch * sequence);
    const tokenTypeIds = new BigInt64Array(batch * sequence);
    all.forEach((ids, row) => {
      ids.forEach((id, col) => {
        inputIds[row * sequence + col] = BigInt(id);
        attentionMask[row * sequence + col] = 1n;
      });
    });
    return { batch, sequence, inputIds, attentionMask, tokenTypeIds };
  }
}
