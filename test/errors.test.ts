// redact and publicUrl: what a secret looks like in the text vc-coredns prints, and what is kept.

import { describe, expect, it } from 'vitest';
import { publicUrl, redact } from '../src/errors.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('redact', () => {
  it.each([
    ['https://alice:pw1@h/x.git', 'https://***@h/x.git'],
    ['https://user:password@h/x.git', 'https://***@h/x.git'],
    ['user:passwords@host/repo', '***@host/repo'],
    ['invalid image reference "user:S3cret@host/repo"', 'invalid image reference "***@host/repo"'],
    [
      'cannot list https://h/x.git?token=QTOKEN42 (exit 128)',
      'cannot list https://h/x.git?token=*** (exit 128)',
    ],
    [
      "unable to access 'https://h/x.git?a=1&access_token=Q/'",
      "unable to access 'https://h/x.git?a=1&access_token=***'",
    ],
    ['https://s3/b?X-Amz-Signature=abc&X-Amz-Date=1', 'https://s3/b?X-Amz-Signature=***&X-Amz-Date=1'],
    ['Authorization: Bearer abc.def', 'Authorization: Bearer ***'],
  ])('%s', (text, want) => {
    expect(redact(text)).toBe(want);
  });

  it('keeps what is not a secret: digests, scp-like git URLs, token scopes, times', () => {
    for (const text of [
      `registry/coredns:v1.9.3@${DIGEST}`,
      `coredns:v1.9.3@${DIGEST}`,
      'git@github.com:coredns/coredns.git',
      'https://auth/token?service=registry&scope=repository:coredns:pull',
      '[12:30:11] v1.9.3 built',
      'hint: write it as http://host:port, with user:password@ before the host',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });
});

describe('publicUrl', () => {
  it('drops user info, secret-looking parameters and the fragment; keeps the rest', () => {
    expect(publicUrl('https://a:b@h/x.git?ref=main&access_token=Q1#t=1')).toBe('https://h/x.git?ref=main');
    expect(publicUrl('file:///srv/coredns.git')).toBe('file:///srv/coredns.git');
    expect(publicUrl('git@github.com:coredns/coredns.git')).toBe('git@github.com:coredns/coredns.git');
  });
});
