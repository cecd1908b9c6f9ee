// Field builders shared by every configuration section, the collectors' own sections included:
// each field carries its description and, where it has one, its default.
import { Type } from '@sinclair/typebox';

export const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });

export const Seconds = (def: number, description: string) =>
  Type.Number({ exclusiveMinimum: 0, default: def, description });

export const Count = (def: number, description: string) =>
  Type.Integer({ minimum: 1, default: def, description });

export const FilePath = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, description }));

export const HttpUrl = (description: string, def?: string) =>
  Type.String({
    pattern: '^https?://',
    description,
    ...(def === undefined ? {} : { default: def }),
  });
