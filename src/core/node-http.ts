/**
 * node:http as its CommonJS exports. An ES import of node:http builds a namespace of all
 * its exports, and reading them runs the lazy getters of http.WebSocket and its siblings,
 * which load Node's bundled undici: about 12 MiB of RSS on Node 24 that nothing here uses.
 * Import the types from 'node:http' as usual (`import type` is erased); take values from here.
 */
export const http: typeof import('node:http') = process.getBuiltinModule('node:http');
