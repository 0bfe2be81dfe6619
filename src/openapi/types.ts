/**
 * The request side of an OpenAPI operation, free of ajv: where each parameter is, how it is serialized, and
 * which schema (a `$ref` into the loaded files, or an inline schema) validates it.
 */
export type ParamLocation = 'query' | 'path' | 'header' | 'cookie';

/** How a parameter's schema shapes its value (decides how the raw string is split). */
export type ParamShape = 'primitive' | 'array' | 'object';

export interface ParamDef {
  name: string;
  in: ParamLocation;
  required: boolean;
  /** OpenAPI `style`: form, spaceDelimited, pipeDelimited, deepObject (query, cookie); simple, label, matrix (path, header). */
  style: string;
  explode: boolean;
  shape: ParamShape;
  /** Property names of an object schema (for form-exploded objects). */
  properties: string[];
  /** `content: { application/json: ... }` instead of `schema`: the value is JSON text. */
  json: boolean;
  /** The schema to embed in the location's wrapper (inline, or `{ $ref: <file url>#<pointer> }`). */
  schema: unknown;
}

export interface MediaSchema {
  /** The media range as written (lower-cased, without parameters): `application/json`, `text/*`, `*\/*`. */
  range: string;
  /** Undefined: the media type is accepted without validation. */
  schema?: unknown;
}

export interface BodyDef {
  required: boolean;
  media: MediaSchema[];
}

export interface OperationDef {
  method: string;
  /** The template with the prefix, e.g. `/api/pets/{petId}`. */
  template: string;
  operationId?: string;
  params: ParamDef[];
  body?: BodyDef;
  /** Where the operation is, for error messages (`api.yaml#/paths/~1pets/get`). */
  where: string;
}
