/** Shared helpers for the WAF unit tests: compile SecLang text, build WAF inputs, run a rule set. */
import { compileDirectives, type CompiledRuleSet } from '../../../../src/checks/waf/engine/compile.js';
import type { WafInput } from '../../../../src/checks/waf/engine/input.js';
import { runWaf, type WafResult } from '../../../../src/checks/waf/engine/waf-engine.js';
import { loadSecLangText } from '../../../../src/checks/waf/seclang/load.js';

export function compileText(text: string, file = 'rules.conf'): CompiledRuleSet {
  return compileDirectives(loadSecLangText(text, file), { readData: () => { throw new Error('no data files here'); }, warn: () => {} });
}

export function wafInput(over: Partial<WafInput> = {}): WafInput {
  return {
    method: 'GET',
    uri: '/',
    protocol: 'HTTP/1.1',
    headers: [['host', 'example.com'], ['user-agent', 'test-agent/1.0']],
    body: undefined,
    bodyPartial: false,
    remoteAddr: '203.0.113.7',
    remotePort: 40000,
    serverAddr: '10.0.0.1',
    serverPort: 8080,
    uniqueId: 'test-1',
    ...over,
  };
}

export function run(rs: CompiledRuleSet, over: Partial<WafInput> = {}): WafResult {
  return runWaf(rs, wafInput(over));
}

export function ids(r: WafResult): number[] {
  return r.log.map((e) => e.id);
}
