import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests bind real ports and share Redis and PostgreSQL; files run in parallel workers,
    // so each test uses its own ephemeral ports, key prefixes and schemas.
    pool: 'forks',
  },
});
