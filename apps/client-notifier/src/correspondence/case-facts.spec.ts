import { describe, expect, it } from 'vitest';
import { substantiveItems } from './case-facts.js';

describe('substantive amendments', () => {
  it('tells substantive changes (the four items) from the rest', () => {
    expect(substantiveItems({ changedItems: ['REPORT_ITEM_OCCURRED_AT', 'REPORT_ITEM_ENCRYPTED'] })).toEqual(
      [],
    );
    expect(
      substantiveItems({
        changedItems: ['REPORT_ITEM_MEASURES_TAKEN', 'REPORT_ITEM_HOW_DISCOVERED', 'REPORT_ITEM_RECORDS'],
      }),
    ).toEqual(['REPORT_ITEM_HOW_DISCOVERED', 'REPORT_ITEM_RECORDS']);
  });
});
