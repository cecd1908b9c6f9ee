// Every collector, written out in one place: adding a collector is adding its folder and one line
// here. Its entry brings its configuration section, its flags and its factory (loaded when it runs).
import type { TObject } from '@sinclair/typebox';
import type { CollectorEntry } from './collector.js';
import { kubeletEntry } from './kubelet/config.js';
import { kubernetesEntry } from './kubernetes/config.js';
import { logsEntry } from './logs/config.js';
import { prometheusEntry } from './prometheus/config.js';

export const COLLECTORS = {
  kubernetes: kubernetesEntry,
  kubelet: kubeletEntry,
  prometheus: prometheusEntry,
  logs: logsEntry,
} as const;

/** A registry: collector type → its entry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry has its own config type
export type CollectorRegistry = Readonly<Record<string, CollectorEntry<TObject, any>>>;

export type CollectorType = keyof typeof COLLECTORS;

export const COLLECTOR_TYPES = Object.keys(COLLECTORS) as CollectorType[];
