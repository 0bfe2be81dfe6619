/** A compiled OpenAPI document as checks use it: find the operation of a request, get its validation plan. */
import type { RequestPlan } from '../checks/request-schema/plan.js';

export interface CompiledOperation {
  /** `operationId`, else `METHOD template`. */
  readonly id: string;
  readonly plan: RequestPlan;
}

export type OpenApiMatch =
  | { kind: 'operation'; operation: CompiledOperation; pathParams: Record<string, string> }
  | { kind: 'no-path' }
  | { kind: 'no-method'; allowed: string[] };

export interface CompiledOpenApi {
  readonly name: string;
  readonly prefix: string;
  readonly unknownOperation: 'deny' | 'allow';
  readonly operationCount: number;
  match(method: string, path: string): OpenApiMatch;
}

/** The `openapi` section's resource (`deps.shared.openapi`): documents by name. */
export type OpenApiRegistry = ReadonlyMap<string, CompiledOpenApi>;
