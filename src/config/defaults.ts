/** Defaults shared by the policy compiler and the Envoy rendering, so both halves agree. */

/** A route's body limit when `maxBodyBytes` is not set (Envoy's buffer filter enforces it). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The body window Envoy sends to ext_authz when `inspectBodyBytes` is not set. */
export const DEFAULT_INSPECT_BODY_BYTES = 64 * 1024;
