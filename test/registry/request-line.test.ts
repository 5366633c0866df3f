// --verbose: a registry request as a line (method, URL without user info and query, status).
import { describe, expect, it } from 'vitest';
import { requestLine } from '../../src/registry/transport.js';

describe('requestLine', () => {
  it('drops user info and the query, which may hold a signed URL', () => {
    expect(
      requestLine(
        'GET',
        'https://u:pw@blobs.example/v2/acme/coredns/blobs/sha256:ab?X-Amz-Signature=s3cr3t&X-Amz-Credential=AK',
        '307',
      ),
    ).toBe('registry: GET https://blobs.example/v2/acme/coredns/blobs/sha256:ab?… -> 307');
    expect(requestLine('PUT', new URL('http://127.0.0.1:5000/v2/x/manifests/v1.9.3'), '201')).toBe(
      'registry: PUT http://127.0.0.1:5000/v2/x/manifests/v1.9.3 -> 201',
    );
  });
});
