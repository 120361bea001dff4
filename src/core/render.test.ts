import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderJson } from './render.js';

describe('renderJson', () => {
  const value = { issuer: 'https://a', b: [1, 2], a: { z: 1, y: 2 } };

  it('pretty-prints with 2 spaces and keeps member order', () => {
    const { body } = renderJson(value, { pretty: true });
    expect(body.toString()).toBe(
      '{\n  "issuer": "https://a",\n  "b": [\n    1,\n    2\n  ],\n  "a": {\n    "z": 1,\n    "y": 2\n  }\n}\n',
    );
  });

  it('renders compact JSON when pretty printing is off', () => {
    expect(renderJson(value, { pretty: false }).body.toString()).toBe(
      '{"issuer":"https://a","b":[1,2],"a":{"z":1,"y":2}}',
    );
  });

  it('uses the quoted hex SHA-256 of the exact bytes as the ETag', () => {
    const { body, etag } = renderJson(value, { pretty: true });
    expect(etag).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    expect(renderJson(value, { pretty: false }).etag).not.toBe(etag);
  });
});
