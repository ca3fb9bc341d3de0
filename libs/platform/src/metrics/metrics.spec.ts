import { describe, expect, it } from 'vitest';
import { sampleValue } from '../../test/support/prometheus.js';
import { PrometheusMetrics } from './metrics.js';

describe('PrometheusMetrics', () => {
  it('exposes counters, gauges and histograms in the Prometheus text format, labelled with the service', async () => {
    const metrics = new PrometheusMetrics({ service: 'timeline', defaultMetrics: false });
    const handled = metrics.counter({
      name: 'messaging_messages_total',
      help: 'Messages by outcome',
      labelNames: ['outcome', 'topic'],
    });
    handled.inc({ outcome: 'handled', topic: 'intake.case.events.v1' });
    handled.inc({ outcome: 'handled', topic: 'intake.case.events.v1' }, 2);
    metrics.gauge({ name: 'relay_lag_events', help: 'Events not yet published' }).set({}, 7);
    const latency = metrics.histogram({
      name: 'relay_publish_seconds',
      help: 'Publish latency',
      labelNames: ['topic'],
      buckets: [0.1, 1],
    });
    latency.observe({ topic: 't' }, 0.05);

    const text = await metrics.text();
    expect(text).toContain('# TYPE messaging_messages_total counter');
    expect(
      sampleValue(text, 'messaging_messages_total', {
        outcome: 'handled',
        topic: 'intake.case.events.v1',
        service: 'timeline',
      }),
    ).toBe(3);
    expect(sampleValue(text, 'relay_lag_events', { service: 'timeline' })).toBe(7);
    expect(
      sampleValue(text, 'relay_publish_seconds_bucket', { le: '0.1', topic: 't', service: 'timeline' }),
    ).toBe(1);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('returns the registered metric when asked twice, and refuses a name reused for another type', async () => {
    const metrics = new PrometheusMetrics({ service: 's', defaultMetrics: false });
    metrics.counter({ name: 'jobs_total', help: 'Jobs' }).inc();
    metrics.counter({ name: 'jobs_total', help: 'Jobs' }).inc();
    expect(sampleValue(await metrics.text(), 'jobs_total', { service: 's' })).toBe(2);
    expect(() => metrics.gauge({ name: 'jobs_total', help: 'Jobs' })).toThrowError(/another type/);
  });

  it('keeps registries of different applications apart', async () => {
    const one = new PrometheusMetrics({ service: 'one', defaultMetrics: false });
    const two = new PrometheusMetrics({ service: 'two', defaultMetrics: false });
    one.counter({ name: 'only_in_one_total', help: 'x' }).inc();
    expect(await two.text()).not.toContain('only_in_one_total');
  });

  it('collects process metrics by default', async () => {
    expect(await new PrometheusMetrics({ service: 'p' }).text()).toContain('process_cpu_user_seconds_total');
  });

  it('times with startTimer', async () => {
    const metrics = new PrometheusMetrics({ service: 't', defaultMetrics: false });
    const end = metrics
      .histogram({ name: 'work_seconds', help: 'w', labelNames: ['step'] })
      .startTimer({ step: 'a' });
    expect(end()).toBeGreaterThanOrEqual(0);
    expect(sampleValue(await metrics.text(), 'work_seconds_count', { step: 'a', service: 't' })).toBe(1);
  });
});
