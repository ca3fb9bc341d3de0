import { describe, expect, it } from 'vitest';
import { applyReportAmendment } from './report-amendment.js';

describe('applyReportAmendment', () => {
  const report = {
    contractId: 'c',
    content: { description: { keyId: 'k', ciphertext: 'd1' }, dataKinds: ['DATA_KIND_NAME' as const] },
    quantity: { persons: { precision: 'COUNT_PRECISION_ESTIMATED_ABOUT' as const, value: '800' } },
    place: { site: { keyId: 'k', ciphertext: 's1' } },
    encrypted: 'TRI_STATE_NO' as const,
  };

  it('replaces present parts and keeps absent or unspecified ones, without touching the input', () => {
    const next = applyReportAmendment(report, {
      quantity: { persons: { precision: 'COUNT_PRECISION_AT_LEAST', value: '1200' } },
      place: { route: { keyId: 'k', ciphertext: 'r1' } },
      encrypted: 'TRI_STATE_UNSPECIFIED',
      content: { dataKinds: { values: [] } },
    });
    expect(next.quantity?.persons).toEqual({ precision: 'COUNT_PRECISION_AT_LEAST', value: '1200' });
    expect(next.place).toEqual({
      site: { keyId: 'k', ciphertext: 's1' },
      route: { keyId: 'k', ciphertext: 'r1' },
    });
    expect(next.encrypted).toBe('TRI_STATE_NO');
    expect(next.content?.description).toEqual({ keyId: 'k', ciphertext: 'd1' });
    expect(next.content?.dataKinds).toEqual([]);
    expect(report.quantity.persons.value).toBe('800');
  });
});
