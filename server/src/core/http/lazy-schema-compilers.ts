import type { FastifyServerOptions, FastifySchemaValidationError } from 'fastify';
import ajvCompiler from '@fastify/ajv-compiler';
import serializerCompiler from '@fastify/fast-json-stringify-compiler';

type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type RouteSchema = { schema: unknown; method: string; url: string; httpPart?: string; httpStatus?: string; contentType?: string };
type Validate = ((data: unknown) => unknown) & { errors?: FastifySchemaValidationError[] | null };

/**
 * Fastify builds every route's request validator (ajv) and response serializer
 * (fast-json-stringify) when the server becomes ready: most of a second and many megabytes of
 * generated code for routes a given process may never serve. These factories hand Fastify the very
 * same compilers (its defaults, with the server's ajv and serializer options), but each route's
 * function is generated on that route's first request. Validation results, error details and
 * serialized output are unchanged; tests start the app with eager compilation to prove that every
 * schema compiles.
 */
export function lazySchemaCompilers(): Compilers {
  const buildValidator = ajvCompiler();
  const buildSerializer = serializerCompiler();
  type ValidatorArgs = Parameters<typeof buildValidator>;
  return {
    buildValidator(externalSchemas: ValidatorArgs[0], options: ValidatorArgs[1]) {
      let compile: ReturnType<typeof buildValidator> | undefined;
      return ((route: RouteSchema) =>
        lazyValidator(() => {
          compile ??= buildValidator(externalSchemas, options);
          return compile({ ...route, schema: lowerCaseHeaders(route) } as never) as Validate;
        })) as never;
    },
    buildSerializer(externalSchemas, options) {
      let compile: ReturnType<ReturnType<typeof serializerCompiler>> | undefined;
      return ((route: RouteSchema) => {
        let serialize: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => {
          compile ??= buildSerializer(externalSchemas, options);
          serialize ??= compile(route as never);
          return serialize(doc);
        };
      }) as never;
    },
  };
}

/**
 * A validator that compiles on its first call and then mirrors ajv's `errors` property. A schema
 * that does not compile throws here, inside Fastify's request handling: the caller gets a 500.
 */
function lazyValidator(compile: () => Validate): Validate {
  let validate: Validate | undefined;
  const lazy: Validate = (data) => {
    validate ??= compile();
    const result = validate(data);
    lazy.errors = validate.errors;
    return result;
  };
  lazy.errors = null;
  return lazy;
}

/**
 * Fastify lower-cases the property names of a plain headers schema before compiling it, but only
 * for its built-in compiler; providing compilers switches that off, so do the same here.
 */
function lowerCaseHeaders({ schema, httpPart }: RouteSchema): unknown {
  if (httpPart !== 'headers' || typeof schema !== 'object' || schema === null || Object.getPrototypeOf(schema) !== Object.prototype) {
    return schema;
  }
  const s = { ...(schema as Record<string, unknown>) };
  if (Array.isArray(s.required)) s.required = s.required.map((h: string) => h.toLowerCase());
  if (s.properties) {
    const props = s.properties as Record<string, unknown>;
    s.properties = Object.fromEntries(Object.keys(props).map((k) => [k.toLowerCase(), props[k]]));
  }
  return s;
}
