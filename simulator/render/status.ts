// metav1.Status bodies, the API's error format.

export type StatusReason =
  | 'NotFound'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'Expired'
  | 'Gone'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: StatusReason;
  details?: { name?: string; kind?: string };
  code: number;
}

export function statusBody(
  code: number,
  reason: StatusReason,
  message: string,
  details?: StatusBody['details'],
): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function notFound(kind: string, name: string): StatusBody {
  return statusBody(404, 'NotFound', `${kind} "${name}" not found`, { name, kind });
}
