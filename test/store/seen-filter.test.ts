import { describe, expect, it } from 'vitest';
import { SeenFilter } from '../../lib/store/seen-filter';

describe('SeenFilter (the embedded store skips reads of records it never wrote)', () => {
  it('never says "not written" of a key it was given (no false negatives), and rarely "maybe" of one it was not', () => {
    const f = new SeenFilter();
    const id = (i: number) => `${i.toString(16).padStart(8, '0')}-5e1f-4c2a-9b7d-${(i * 7919).toString(16).padStart(12, '0')}`;
    for (let i = 0; i < 200_000; i++) f.add(id(i));
    for (let i = 0; i < 200_000; i++) if (!f.mayHave(id(i))) throw new Error(`false negative for ${id(i)}`);
    let maybe = 0;
    for (let i = 200_000; i < 300_000; i++) if (f.mayHave(id(i))) maybe++;
    // 2^24 bits, 5 hashes, 200,000 keys: about 0.0001% in theory; far below 1% in any case.
    expect(maybe / 100_000).toBeLessThan(0.01);
  });
});
