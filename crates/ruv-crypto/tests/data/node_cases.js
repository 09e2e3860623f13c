// Regenerates node_cases.json: extra pbkdf2 vectors and Node's argument errors, as
// computed by the Node.js that runs it (the committed file came from Node v20.20.2).
// Run from this folder: node node_cases.js > node_cases.json
'use strict';
const crypto = require('crypto');

const hexOf = (s) => Buffer.from(s).toString('hex');
const bytes = (n, seed) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + seed * 7 + 3) & 0xff));

// [password, salt, iterations, keylen, digest]; Buffers for binary inputs.
const vectorCases = [
  // The pool experiment's hash (shared/conformance/pbkdf2.js).
  ['secret', 'salt', 100000, 512, 'sha512'],
  ['password', 'salt', 1, 0, 'sha256'],
  ['', '', 1, 33, 'sha1'],
  ['', '', 3, 100, 'sha384'],
  // Keys that end mid-block, for every digest.
  ['password', 'salt', 7, 21, 'sha1'],
  ['password', 'salt', 7, 65, 'sha256'],
  ['password', 'salt', 7, 97, 'sha384'],
  ['password', 'salt', 7, 129, 'sha512'],
  ['password', 'salt', 5, 1000, 'sha512'],
  // Passwords longer than the hash's block (HMAC hashes the key first).
  [bytes(65, 1), bytes(16, 2), 9, 40, 'sha1'],
  [bytes(65, 3), bytes(16, 4), 9, 40, 'sha256'],
  [bytes(129, 5), bytes(16, 6), 9, 100, 'sha384'],
  [bytes(129, 7), bytes(16, 8), 9, 200, 'sha512'],
  [bytes(300, 9), bytes(300, 10), 2, 64, 'sha512'],
  // Aliases of the digest names.
  ['secret', 'salt', 3, 24, 'SHA-1'],
  ['secret', 'salt', 3, 24, 'RSA-SHA256'],
  ['secret', 'salt', 3, 24, 'sha2-384'],
  ['secret', 'salt', 3, 24, 'Sha512WithRSAEncryption'],
  ['secret', 'salt', 3, 24, '2.16.840.1.101.3.4.2.3'],
];
const vectors = vectorCases.map(([password, salt, iterations, keylen, digest]) => ({
  password_hex: Buffer.isBuffer(password) ? password.toString('hex') : hexOf(password),
  salt_hex: Buffer.isBuffer(salt) ? salt.toString('hex') : hexOf(salt),
  iterations, keylen, digest,
  hex: crypto.pbkdf2Sync(password, salt, iterations, keylen, digest).toString('hex'),
}));

// Argument errors whose inputs a u64 can hold. (Node's other rejections, negative and
// fractional numbers, cannot be expressed through ruv's u64 parameters.)
const errorCases = [
  [0, 16, 'sha1'], [2 ** 31, 16, 'sha1'], [2 ** 32, 16, 'sha1'], [2 ** 32 + 1, 16, 'sha1'],
  [12345678901, 16, 'sha1'], [2 ** 53, 16, 'sha1'],
  [1, 2 ** 31, 'sha1'], [1, 2 ** 32, 'sha1'], [1, 2 ** 32 + 1, 'sha1'],
  [1, 16, 'md55'], [1, 16, ''], [1, 16, ' sha256'], [1, 16, 'sha256 '], [1, 16, 'sha512/256'],
  [1, 16, 'ecdsa-with-SHA1'], [1, 16, 'md2'], [1, 0, 'md55'], [1, 2 ** 31 - 1, 'nope'],
  // Order: iterations before keylen before digest.
  [0, 2 ** 31, 'md55'], [1, 2 ** 31, 'md55'],
];
const errors = errorCases.map(([iterations, keylen, digest]) => {
  try {
    crypto.pbkdf2Sync('p', 's', iterations, keylen, digest);
    throw new Error(`no error for ${[iterations, keylen, digest]}`);
  } catch (e) {
    if (!e.code) throw e;
    return { iterations, keylen, digest, code: e.code, message: e.message };
  }
});

console.log(JSON.stringify({ generated_by: `node ${process.version}`, vectors, errors }, null, 1));
