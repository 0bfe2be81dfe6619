/**
 * The transformation table: `t:<name>` to a pure function on byte strings. An unknown name is a policy error
 * at compile time.
 */
import type { TransformFn } from '../engine/types.js';
import * as decode from './decode.js';
import * as text from './text.js';
import * as comments from './comments.js';
import * as path from './path.js';
import * as hash from './hash.js';

export const transforms: Readonly<Record<string, TransformFn>> = {
  urldecode: decode.urlDecode,
  urldecodeuni: decode.urlDecodeUni,
  htmlentitydecode: decode.htmlEntityDecode,
  jsdecode: decode.jsDecode,
  cssdecode: decode.cssDecode,
  escapeseqdecode: decode.escapeSeqDecode,
  base64decode: decode.base64Decode,
  base64decodeext: decode.base64DecodeExt,
  base64encode: decode.base64Encode,
  hexdecode: decode.hexDecode,
  sqlhexdecode: decode.sqlHexDecode,
  urlencode: decode.urlEncode,
  utf8tounicode: decode.utf8toUnicode,
  lowercase: text.lowercase,
  uppercase: text.uppercase,
  compresswhitespace: text.compressWhitespace,
  removewhitespace: text.removeWhitespace,
  trim: text.trim,
  trimleft: text.trimLeft,
  trimright: text.trimRight,
  removenulls: text.removeNulls,
  replacenulls: text.replaceNulls,
  replacecomments: comments.replaceComments,
  removecomments: comments.removeComments,
  removecommentschar: comments.removeCommentsChar,
  cmdline: comments.cmdLine,
  normalizepath: path.normalizePath,
  normalisepath: path.normalizePath,
  normalizepathwin: path.normalizePathWin,
  normalisepathwin: path.normalizePathWin,
  sha1: hash.sha1,
  md5: hash.md5,
  hexencode: hash.hexEncode,
  length: hash.length,
};

export function lookupTransform(name: string): TransformFn | undefined {
  const key = name.toLowerCase();
  return Object.prototype.hasOwnProperty.call(transforms, key) ? transforms[key] : undefined;
}
