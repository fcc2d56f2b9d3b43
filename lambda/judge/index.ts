/** The judge: a pure function from a window of green/blue metrics and thresholds to a verdict. */
export { aggregate, judge, sustainedLevel, usable } from './judge';
export type { SideAggregate } from './judge';
export * from './types';
