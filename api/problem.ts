// RFC 9457 problem details: one shape for every error the API returns.
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const PROBLEM_TYPE = 'application/problem+json';

/** The body of a problem, for a reply or a raw response. */
export function problem(status: number, title: string, detail?: string) {
  return { type: 'about:blank', title, status, ...(detail ? { detail } : {}) };
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_TYPE)
    .send(problem(status, title, detail));
}
