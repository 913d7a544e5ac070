import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { api, unwrap } from '@/api/client';
import type { ResponseOf } from '@/api/types';

type PermissionsResponse = ResponseOf<'/api/access/permissions', 'get'>;
export type PermissionDef =
  PermissionsResponse extends Array<infer P> ? P : PermissionsResponse extends { items: Array<infer Q> } ? Q : never;

/** The permission registry (every module's codes) with descriptions in the chosen language. */
export function usePermissionDefs() {
  const { locale } = useI18n();
  const defs = ref<PermissionDef[]>([]);
  async function load() {
    const res = await unwrap(api.GET('/api/access/permissions'));
    defs.value = (Array.isArray(res) ? res : (res as { items: PermissionDef[] }).items) as PermissionDef[];
  }
  const describe = (p: PermissionDef) => (locale.value === 'zh-CN' && p.descriptionZh ? p.descriptionZh : p.description);
  return { defs, load, describe };
}
