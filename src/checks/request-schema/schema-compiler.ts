/**
 * ajv instances for one policy part: one per JSON Schema dialect and per coercion mode (parameters and form
 * bodies are strings coerced by their schema; JSON bodies never are). Every loaded schema file is registered
 * under its file URL so refs resolve. Patterns never backtrack without bound (see regex-engine.ts).
 */
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { SourceFiles } from '../../openapi/source-files.js';
import { schemaRegExpEngine } from './regex-engine.js';
import { stringLengthKeywords } from './string-length.js';

export type Dialect = 'draft-07' | '2019-09' | '2020-12';

type AnyAjv = Ajv | Ajv2019 | Ajv2020;
type FormatsPlugin = (ajv: AnyAjv) => AnyAjv;
// ajv-formats is CommonJS with a `default` property; under ESM interop either shape may arrive.
const addFormats: FormatsPlugin = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as unknown as FormatsPlugin;

export function dialectOf(schema: unknown, fallback: Dialect = 'draft-07'): Dialect {
  const id = schema !== null && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof id !== 'string') return fallback;
  if (id.includes('2020-12')) return '2020-12';
  if (id.includes('2019-09')) return '2019-09';
  return 'draft-07';
}

export interface SchemaCompilerOptions {
  /** Loose mode for OpenAPI documents (vendor extensions, annotation keywords, custom formats). */
  loose?: boolean;
  warn(message: string): void;
}

export class SchemaCompiler {
  readonly #instances = new Map<string, AnyAjv>();
  readonly #warned = new Set<string>();
  // Operations repeat structures (a path's parameters for each method, one request body for many operations):
  // equal schemas compile once.
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(private readonly files: SourceFiles, private readonly options: SchemaCompilerOptions) {}

  instance(dialect: Dialect, coerce: boolean): AnyAjv {
    const key = `${dialect}/${coerce}`;
    let ajv = this.#instances.get(key);
    if (ajv) return ajv;
    const seen = this.#warned;
    const warn = (m: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      this.options.warn(m);
    };
    const opts: Options = {
      allErrors: true,
      ownProperties: true,
      coerceTypes: coerce ? 'array' : false,
      strict: this.options.loose ? false : true,
      strictTypes: this.options.loose ? false : 'log',
      strictTuples: this.options.loose ? false : 'log',
      allowUnionTypes: true,
      // Documents share components across many operations: referencing them compiles far faster than inlining.
      inlineRefs: !this.options.loose,
      code: { regExp: schemaRegExpEngine },
      logger: { log: () => {}, warn: (...args: unknown[]) => warn(args.map(String).join(' ')), error: (...args: unknown[]) => warn(args.map(String).join(' ')) },
    };
    ajv = dialect === '2020-12' ? new Ajv2020(opts) : dialect === '2019-09' ? new Ajv2019(opts) : new Ajv(opts);
    addFormats(ajv);
    ajv.removeKeyword('maxLength').removeKeyword('minLength').addKeyword(stringLengthKeywords);
    for (const [url, doc] of this.files) {
      if (doc !== null && typeof doc === 'object') ajv.addSchema(doc as object, url, undefined, false);
    }
    this.#instances.set(key, ajv);
    return ajv;
  }

  /** Compiles a schema; throws an Error with ajv's message when the schema is invalid or a ref is unresolvable. */
  compile(schema: unknown, dialect: Dialect, coerce: boolean): ValidateFunction {
    const key = `${dialect}/${coerce}/${JSON.stringify(schema)}`;
    const known = this.#compiled.get(key);
    if (known) return known;
    const validate = this.#compileNew(schema, dialect, coerce);
    this.#compiled.set(key, validate);
    return validate;
  }

  #compileNew(schema: unknown, dialect: Dialect, coerce: boolean): ValidateFunction {
    const ajv = this.instance(dialect, coerce);
    if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
      throw new Error('a schema must be an object or a boolean');
    }
    if (typeof schema === 'object' && !ajv.validateSchema(schema as object)) {
      throw new Error(ajv.errorsText(ajv.errors, { dataVar: 'schema' }));
    }
    return ajv.compile(schema as object);
  }

  /** Checks a schema fragment against its dialect's meta-schema without compiling it. */
  metaErrors(schema: unknown, dialect: Dialect): string | undefined {
    const ajv = this.instance(dialect, false);
    if (typeof schema === 'boolean') return undefined;
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'a schema must be an object or a boolean';
    return ajv.validateSchema(schema as object) ? undefined : ajv.errorsText(ajv.errors, { dataVar: 'schema' });
  }
}
