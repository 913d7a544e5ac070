import { Type, type Static } from '@sinclair/typebox';

export const PageQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
});
export type PageQuery = Static<typeof PageQuery>;

export const pageOffset = (q: { page?: number; pageSize?: number }): { limit: number; offset: number } => {
  const pageSize = q.pageSize ?? 20;
  return { limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize };
};

/** The list envelope every paged route returns. */
export const Paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
  },
  { $id: 'ErrorBody' },
);

/** Escape LIKE wildcards so a filter such as "50%_off" matches literally. */
export const likeContains = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
