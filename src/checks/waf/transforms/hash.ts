/**
 * Hash and encoding transformations: `sha1`, `md5` (binary digests as byte strings), `hexEncode`, `length`.
 */
import { createHash } from 'node:crypto';
import type { TransformFn } from '../engine/types.js';

export const sha1: TransformFn = (s) => createHash('sha1').update(Buffer.from(s, 'latin1')).digest().toString('latin1');
export const md5: TransformFn = (s) => createHash('md5').update(Buffer.from(s, 'latin1')).digest().toString('latin1');
export const hexEncode: TransformFn = (s) => Buffer.from(s, 'latin1').toString('hex');
export const length: TransformFn = (s) => String(s.length);
