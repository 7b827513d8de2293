/**
 * Turn a JSON.parse failure into a message people can act on:
 * `Unexpected token '}' at line 3 column 5`. V8's messages differ between Node
 * versions and often carry no position (Node 20: `Unexpected token ']', "[1,]"
 * is not valid JSON`), so the position is found by a small scanner that runs
 * only after a parse has already failed.
 */
import { errorMessage } from '../errors/error-text';

const WS = new Set([' ', '\t', '\n', '\r']);

class Stop {
  constructor(readonly at: number) {}
}

/** Offset of the first syntax error in `text`, or -1 if none is found. */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && WS.has(text[i])) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) if (text[i + k] !== word[k]) throw new Stop(i + k);
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i + 1);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i + 1);
      } else if (c < ' ') throw new Stop(i);
      else i++;
    }
    throw new Stop(n);
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) throw new Stop(i);
    i += m[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 4000) throw new Stop(i);
    ws();
    if (i >= n) throw new Stop(n);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop(i);
        string();
        ws();
        if (text[i] !== ':') throw new Stop(i);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value(0);
    ws();
    return i < n ? i : -1;
  } catch (err) {
    if (err instanceof Stop) return err.at;
    return -1;
  }
}

/** 1-based line and column of an offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * `Unexpected token '}' at line 3 column 5` for a text JSON.parse rejected.
 * `singleLine`: say only the column (NDJSON, where the line is reported apart).
 */
export function describeJsonError(text: string, err: unknown, singleLine = false): string {
  let message = errorMessage(err);
  // Drop V8's position and its echo of the input; the location is computed below.
  message = message
    .replace(/ (?:in JSON )?at position \d+(?: \(line \d+ column \d+\))?/, '')
    .replace(/, "(?:[^"\\]|\\.)*" is not valid JSON$/, '')
    .replace(/^(Unexpected token '?.'?), .*$/s, '$1');
  const offset = jsonErrorOffset(text);
  if (offset < 0) return message;
  if (offset >= text.length) return message.startsWith('Unexpected end') ? message : `${message} (input ends early)`;
  const { line, column } = lineColumn(text, offset);
  return singleLine ? `${message} at column ${column}` : `${message} at line ${line} column ${column}`;
}
