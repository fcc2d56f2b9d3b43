/** The judge: a pure function from a window of green/blue metrics and thresholds to a verdict. */
export { aggregate, alphaOf, judge, MIN_RANK_MINUTES, sustainedLevel, usable } from './judge';
export type { LatencyMinute, SideAggregate } from './judge';
export * from './types';
