// The one list of alert rules (functions/domain/alerts/rules/index.ts): the rule ids, RULES, the
// config's defaults and allowed parameters, and the backtest's rule order all come from it, so a
// rule's file is the only place its id and defaults are written.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/config';
import { ALL_RULES, RULE_LIST, RULES } from '../../../functions/domain/alerts/rules';
import { configDoc } from '../../support/config-doc';

describe('the alert rule list', () => {
  it('gives the ids and RULES in its order', () => {
    expect(ALL_RULES).toEqual(RULE_LIST.map((r) => r.id));
    expect(new Set(ALL_RULES).size).toBe(RULE_LIST.length);
    expect(Object.keys(RULES)).toEqual(ALL_RULES);
  });

  it('gives the config every rule with the defaults its file declares', () => {
    const config = parseConfig(configDoc());
    expect(Object.keys(config.alerts.rules)).toEqual(ALL_RULES);
    for (const rule of RULE_LIST) {
      const c = config.alerts.rules[rule.id];
      expect(c, rule.id).toMatchObject({
        enabled: true,
        severity: rule.defaults.severity,
        params: rule.defaults.params,
        minBreachDays: rule.defaults.minBreachDays,
        play: rule.defaults.play,
      });
      expect(c.exit, rule.id).toEqual({ ...rule.defaults.params, ...rule.defaults.exit });
    }
  });

  it('lets the config override only the parameters a rule declares', () => {
    const [first] = RULE_LIST;
    const [param] = Object.keys(first.defaults.params);
    expect(
      parseConfig(configDoc({ alerts: { rules: { [first.id]: { params: { [param!]: 1 } } } } })).alerts.rules[first.id]
        .params[param!],
    ).toBe(1);
    expect(() =>
      parseConfig(configDoc({ alerts: { rules: { [first.id]: { params: { notAParameter: 1 } } } } })),
    ).toThrow(/notAParameter/);
    expect(() => parseConfig(configDoc({ alerts: { rules: { 'no-such-rule': {} } } }))).toThrow(/no-such-rule/);
  });
});
