import Ajv, { type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const shared: Options = { allErrors: false, useDefaults: true, strict: false, removeAdditional: false };

/**
 * Bodies are validated strictly (no coercion, unknown properties are errors, never dropped);
 * querystrings, params and headers arrive as text, so their scalars are coerced.
 *
 * Each schema is compiled on its route's first request rather than at start-up: compiling every
 * route's schemas up front was most of the platform's start-up time.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  let strict: Ajv.default | undefined;
  let coercing: Ajv.default | undefined;
  const ajvFor = (httpPart: string | undefined): Ajv.default => {
    if (httpPart === 'body') {
      strict ??= addFormats.default(new Ajv.default({ ...shared, coerceTypes: false }));
      return strict;
    }
    coercing ??= addFormats.default(new Ajv.default({ ...shared, coerceTypes: 'array' }));
    return coercing;
  };
  return ({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    const validate = (data: unknown) => {
      compiled ??= ajvFor(httpPart).compile(schema as object);
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null as ValidateFunction['errors'];
    return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
