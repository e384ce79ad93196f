// Renewal-risk alerts: rules, lifecycle, messages and the backtest. Pure: no I/O, no clock.
export * from './types';
export * from './lifecycle';
export * from './evaluate';
export * from './facts';
export * from './messages';
export * from './backtest';
export { RULES } from './rules';
