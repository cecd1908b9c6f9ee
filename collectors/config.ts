// The `collectors` configuration section, composed from a registry: the keys every collector
// shares, then each registered collector's own section, as its entry declares it.
import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';
import { FilePath, HttpUrl } from '../core/config/fields.js';
import { COLLECTORS, type CollectorRegistry } from './registry.js';

const ConnectionSchema = Type.Object(
  {
    server: Type.Optional(
      HttpUrl('API server URL without credentials (kubectl proxy, plimsoll simulate)'),
    ),
    kubeconfig: FilePath('kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)'),
    inCluster: Type.Boolean({
      default: false,
      description: 'Use the pod ServiceAccount token and CA only',
    }),
  },
  { additionalProperties: false, default: {} },
);

type Sections<R extends CollectorRegistry> = { [K in keyof R]: R[K]['section'] };

export function collectorsSchema<R extends CollectorRegistry>(registry: R, enabled: string[]) {
  const sections = Object.fromEntries(
    Object.entries(registry).map(([type, entry]) => [type, entry.section]),
  ) as Sections<R>;
  // The union's runtime schema lists the registry's keys; its static type says so too.
  const names = Type.Union(
    Object.keys(registry).map((type) => Type.Literal(type)),
  ) as unknown as TUnion<TLiteral<keyof R & string>[]>;
  return Type.Object(
    {
      enabled: Type.Array(names, {
        minItems: 1,
        uniqueItems: true,
        default: enabled,
        description: 'Collectors `plimsoll collect` runs (--collectors overrides)',
      }),
      stateDir: FilePath(
        'Directory of the checkpoints, so a restart does not re-emit (default: in memory only)',
      ),
      connection: ConnectionSchema,
      ...sections,
    },
    { additionalProperties: false, default: {} },
  );
}

export const CollectorsSchema = collectorsSchema(COLLECTORS, ['kubernetes', 'kubelet']);
