import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/index.js';

describe('CLI command table', () => {
  it('names each command as its module does, with the same summary', { timeout: 120_000 }, async () => {
    for (const entry of commands) {
      const { command } = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
      expect(command.usage).toMatch(new RegExp(`portcullis ${entry.name}`));
    }
  });
});
