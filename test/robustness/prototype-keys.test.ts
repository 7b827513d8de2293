/** Attack: record text that names an Object.prototype member (`constructor`, `__proto__`...) used as a protocol. */
import { describe, expect, it } from 'vitest';
import { normaliseProtocol } from '../../lib/net/protocol';
import { describePorts } from '../../lib/alerts/describe';

describe.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('IpProtocol %s', (name) => {
  it('stays the text it was, never an Object.prototype member', () => {
    expect(normaliseProtocol(name)).toBe(name.toLowerCase());
    expect(typeof normaliseProtocol(name)).toBe('string');
  });
  it('is described as an unknown protocol', () => {
    expect(describePorts(name, 22, 22)).toBe(`protocol ${name}`);
  });
});
