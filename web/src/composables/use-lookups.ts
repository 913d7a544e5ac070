import { ref } from 'vue';
import { api, unwrap } from '@/api/client';
import type { ItemsOf } from '@/api/types';

export type RoleItem = ItemsOf<'/api/roles'>;
export type GroupItem = ItemsOf<'/api/groups'>;

/** Roles and groups for pickers and filters (small lists, loaded once per view). */
export function useLookups() {
  const roles = ref<RoleItem[]>([]);
  const groups = ref<GroupItem[]>([]);
  async function loadRoles() {
    roles.value = listOf(await unwrap(api.GET('/api/roles')));
  }
  async function loadGroups() {
    groups.value = listOf(await unwrap(api.GET('/api/groups', { params: { query: { page: 1, pageSize: 500 } } })));
  }
  return { roles, groups, loadRoles, loadGroups };
}

function listOf<T>(res: { items: T[] } | T[]): T[] {
  return Array.isArray(res) ? res : res.items;
}
