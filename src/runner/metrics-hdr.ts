/**
 * Prometheus histograms derived from HDR data at scrape time: the runner records each sample once (into
 * HDR) and never into a second, coarser structure on the hot path. Grafana's histogram_quantile over these
 * is an estimate; the exact merged percentiles are the controller's stampede_loadtest_latency_* gauges.
 */
import type { Registry } from 'prom-client';
import { decodeHistogram, mergeEncoded } from '../metrics/histogram.js';
import { promBuckets, WEB_LATENCY_BUCKETS_SECONDS } from '../metrics/prom-histogram.js';

export interface HdrSeries {
  labels: Record<string, string>;
  /** Compressed-base64 HDR in microseconds. */
  hdr: string;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** Registers a histogram whose buckets, sum and count come from `series()` on every scrape. */
export function registerHdrHistogram(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  series: () => HdrSeries[],
): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    labelNames,
    reset() {},
    get() {
      const values: Sample[] = [];
      // Folded names (label-bounds.ts) give several series one label set: they are merged, not repeated.
      const groups = new Map<string, { labels: Record<string, string>; hdrs: string[] }>();
      for (const { labels, hdr } of series()) {
        const key = JSON.stringify(labels);
        const group = groups.get(key);
        if (group) group.hdrs.push(hdr);
        else groups.set(key, { labels, hdrs: [hdr] });
      }
      for (const { labels, hdrs } of groups.values()) {
        const histogram = hdrs.length === 1 ? decodeHistogram(hdrs[0] as string) : mergeEncoded(hdrs);
        const b = promBuckets(histogram, WEB_LATENCY_BUCKETS_SECONDS);
        WEB_LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
          values.push({
            labels: { ...labels, le },
            value: b.cumulative[i] as number,
            metricName: `${name}_bucket`,
          });
        });
        values.push({ labels: { ...labels, le: '+Inf' }, value: b.count, metricName: `${name}_bucket` });
        values.push({ labels, value: b.sumSeconds, metricName: `${name}_sum` });
        values.push({ labels, value: b.count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
  };
  registry.registerMetric(metric as never);
}
