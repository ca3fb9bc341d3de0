/** Where the timeline reads the time (the scheduler, the clocks shown): tests pass their own. */
export const TIMELINE_CLOCK = Symbol('timeline.clock');

/** The timeline's validated settings (`TimelineConfig`, or its defaults). */
export const TIMELINE_SETTINGS = Symbol('timeline.settings');
