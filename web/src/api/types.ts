import type { paths } from './schema';

/** Response and request body types picked out of the generated schema, so views name them simply. */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type OkOf<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer B }
      ? JsonOf<B>
      : never
  : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type ResponseOf<P extends keyof paths, M extends Method> = OkOf<paths[P][M]>;
export type BodyFor<P extends keyof paths, M extends Method> = BodyOf<paths[P][M]>;
type ItemOf<T> = T extends { items: Array<infer I> } ? I : T extends Array<infer J> ? J : never;
export type ItemsOf<P extends keyof paths> = ItemOf<ResponseOf<P, 'get'>>;
