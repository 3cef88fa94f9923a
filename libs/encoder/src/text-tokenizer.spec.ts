import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EncoderInputError } from './encoder.error';
import { requireModelDir } from './models.test-support';
import { TextTokenizer } from './text-tokenizer';

interface Reference { maxTokens: number; cases: { text: string; ids: number[] }[] }
const reference = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'tokenizer-reference.json'), 'utf8'),
) as Reference;

describe('TextTokenizer (all-MiniLM-L6-v2 WordPiece through @huggingface/tokenizers)', () => {
  let tokenizer: TextTokenizer;
  beforeAll(async () => {
    const dir = requireModelDir();
    const json = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object;
    tokenizer = await TextTokenizer.create(json('tokenizer.json'), json('tokenizer_config.json'), reference.maxTokens);
  });

  it.each(reference.cases.map((c) => [c.text.slice(0, 40), c] as const))(
    'matches Python tokenizers on %j',
    (_label, c) => {
      expect(tokenizer.ids(c.text)).toEqual(c.ids);
    },
  );

  it('the reference covers truncation to maxTokens', () => {
    expect(reference.cases.some((c) => c.ids.length === reference.maxTokens)).toBe(true);
  });

  it('pads a batch to its longest text with [PAD]=0, mask 0 on padding, token types 0', () => {
    const [a, b] = [reference.cases[0]!, reference.cases[1]!];
    const batch = tokenizer.encodeBatch([a.text, b.text]);
    const longest = Math.max(a.ids.length, b.ids.length);
    expect(batch).toMatchObject({ batch: 2, sequence: longest });
    const row = (arr: BigInt64Array, r: number) => Array.from(arr.subarray(r * longest, (r + 1) * longest), Number);
    const padded = (ids: number[]) => [...ids, ...new Array<number>(longest - ids.length).fill(0)];
    const mask = (ids: number[]) => padded(ids.map(() => 1));
    expect(row(batch.inputIds, 0)).toEqual(padded(a.ids));
    expect(row(batch.inputIds, 1)).toEqual(padded(b.ids));
    expect(row(batch.attentionMask, 0)).toEqual(mask(a.ids));
    expect(row(batch.attentionMask, 1)).toEqual(mask(b.ids));
    expect(Array.from(batch.tokenTypeIds, Number).every((v) => v === 0)).toBe(true);
  });

  it('rejects empty and whitespace-only texts with EncoderInputError', () => {
    for (const text of ['', '   \n\t']) {
      expect(() => tokenizer.encodeBatch(['fine', text])).toThrow(EncoderInputError);
      expect(() => tokenizer.ids(text, 3)).toThrow(/texts\[3\] is empty/);
    }
  });
});
