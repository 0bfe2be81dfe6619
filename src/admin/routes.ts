/** Admin endpoints contributed by the parts of the system (the core's own are in core-routes.ts). */
import { counterRoutes } from './routes/counters.js';
import { decisionRoutes } from './routes/decisions.js';
import type { AdminRoute } from './types.js';

export const adminRoutes: readonly AdminRoute[] = [...decisionRoutes, ...counterRoutes];
