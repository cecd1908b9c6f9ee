// Every collector factory, written out in one place: adding a collector is adding its folder and
// one line here.
import { kubeletFactory } from './kubelet/factory.js';
import { kubernetesFactory } from './kubernetes/factory.js';
import { logsFactory } from './logs/factory.js';
import { prometheusFactory } from './prometheus/factory.js';

export const COLLECTOR_FACTORIES = {
  kubernetes: kubernetesFactory,
  kubelet: kubeletFactory,
  prometheus: prometheusFactory,
  logs: logsFactory,
} as const;

export type CollectorType = keyof typeof COLLECTOR_FACTORIES;

export const COLLECTOR_TYPES = Object.keys(COLLECTOR_FACTORIES) as CollectorType[];
