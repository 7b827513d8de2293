import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage, errorText } from '../../lib/errors/error-text';

function awsError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

describe('errorMessage', () => {
  it('gives the message of an Error, of an error-like object, and String() of anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage({ message: 'plain object' })).toBe('plain object');
    expect(errorMessage('a thrown string')).toBe('a thrown string');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage(42)).toBe('42');
  });
});

describe('errorText', () => {
  it('prefixes the AWS code, drops Client./Server., and does not repeat a code the message starts with', () => {
    expect(errorText(awsError('UnauthorizedOperation', 'You are not authorized'))).toBe('UnauthorizedOperation: You are not authorized');
    expect(errorText({ Code: 'Client.RequestLimitExceeded', message: 'Request limit exceeded.' })).toBe('RequestLimitExceeded: Request limit exceeded.');
    expect(errorText(awsError('ThrottlingException', 'ThrottlingException: slow down'))).toBe('ThrottlingException: slow down');
    expect(errorCode(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
  });

  it('says no code for a plain Error unless asked to, and never [object Object]', () => {
    expect(errorText(new Error('plain'))).toBe('plain');
    expect(errorText(new Error('plain'), { code: 'always' })).toBe('Error: plain');
    expect(errorText({})).toBe('Error');
    expect(errorText({ Code: 'InternalError' })).toBe('InternalError');
    expect(errorText('thrown text')).toBe('thrown text');
    expect(errorText(null)).toBe('null');
  });

  it('is one line, capped with an ellipsis, and never carries a stack', () => {
    const e = new Error('line one\n   line two\tend');
    expect(errorText(e)).toBe('line one line two end');
    expect(errorText(e)).not.toContain('at ');
    expect(errorText(new Error('x'.repeat(400)))).toBe(`${'x'.repeat(300)}…`);
    expect(errorText(new Error('x'.repeat(600)), { max: 500 })).toBe(`${'x'.repeat(500)}…`);
  });

  it('redacts Slack webhook URLs and presigned-URL credentials', () => {
    const text = errorText(new Error('POST https://hooks.slack.com/services/T0/B0/secret failed; https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&x=1'));
    expect(text).not.toContain('secret');
    expect(text).not.toContain('abc');
    expect(text).toContain('https://hooks.slack.com/[redacted]');
    expect(text).toContain('X-Amz-Signature=[redacted]');
  });
});
